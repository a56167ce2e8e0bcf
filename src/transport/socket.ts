import net from 'node:net';
import tls from 'node:tls';

import { now } from '../core/clock.js';
import type { Nanos, RequestTimings, TransportOptions } from '../core/types.js';

export interface SocketTarget {
  hostname: string;
  port: number;
  secure: boolean;
  /** ALPN protocols to offer over TLS. */
  alpn: string[];
  ca?: string;
  insecure: boolean;
  /** Offer the latest connection's TLS session to the next one (an abbreviated handshake). */
  resume: boolean;
  /**
   * The TLS session the latest connection to this target received. A target belongs to one virtual user
   * (or one shared HTTP/2 client), so a resumed handshake resumes that user's own previous session, as a
   * real client's would, and never another's.
   */
  session: Buffer | undefined;
  /** Where to open the TCP connection instead (a network-emulation relay); names and checks stay the target's. */
  dial?: { host: string; port: number };
}

/** What a TLS handshake negotiated: the same for every request the connection carries. */
export interface TlsFacts {
  alpn: string | undefined;
  version: string | undefined;
  resumed: boolean;
}

/** The socket a transport opened, with the arrival time of the latest bytes read from it. */
export interface TimedSocket {
  socket: net.Socket;
  /** Arrival time of the most recent bytes; read by the transport's message/body callbacks. */
  arrival: Nanos;
  /** Set once the TLS handshake is done. */
  tls: TlsFacts | undefined;
}

export function isSecure(url: URL): boolean {
  return url.protocol === 'https:' || url.protocol === 'wss:';
}

export function socketTarget(opts: TransportOptions, alpn: string[]): SocketTarget {
  const url = opts.target;
  const tlsOpts = opts.tls ?? {};
  const secure = isSecure(url);
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  // URL keeps the brackets of an IPv6 literal; net.connect wants the bare address.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    hostname,
    port,
    secure,
    alpn,
    ca: tlsOpts.ca,
    insecure: tlsOpts.insecure === true,
    resume: tlsOpts.resume !== false,
    session: undefined,
    dial: opts.dial,
  };
}

/**
 * Opens a TCP (+TLS) socket and stamps its phases into `rec` from the socket's own events: `lookup`
 * (skipped by Node for an IP literal, so no DNS time is invented), `connect`, `secureConnect`.
 *
 * `arrivalEvent` is the event the consumer reads on: undici's HTTP/1.1 reads on 'readable', ws on
 * 'data'. A listener prepended to that same event runs before the consumer's parser, so every body chunk
 * or WebSocket message is stamped with the moment its bytes arrived, not when parsing finished. Listening
 * on the other event would change how the stream flows under the consumer's feet. `null`: the consumer
 * reads the socket's handle natively (Node's HTTP/2), where no JavaScript event sees the bytes.
 */
export function openTimedSocket(
  target: SocketTarget,
  rec: RequestTimings,
  arrivalEvent: 'readable' | 'data' | null,
): TimedSocket {
  rec.connStart = now();
  rec.reused = false;
  const to = target.dial ?? { host: target.hostname, port: target.port };
  const socket = target.secure ? connectTls(target, to) : net.connect(to);
  // Nagle would hold back small request writes behind the ACK of the previous segment.
  socket.setNoDelay(true);
  const timed: TimedSocket = { socket, arrival: 0, tls: undefined };
  socket.once('lookup', () => {
    rec.dnsEnd = now();
  });
  socket.once('connect', () => {
    rec.connectEnd = now();
  });
  if (socket instanceof tls.TLSSocket) {
    const secure = socket;
    secure.once('secureConnect', () => {
      rec.tlsEnd = now();
      timed.tls = {
        alpn: secure.alpnProtocol || undefined,
        version: secure.getProtocol() ?? undefined,
        resumed: secure.isSessionReused(),
      };
      tagTls(rec, timed);
    });
  }
  if (arrivalEvent !== null) {
    socket.prependListener(arrivalEvent, () => {
      timed.arrival = now();
    });
  }
  return timed;
}

function connectTls(target: SocketTarget, to: { host: string; port: number }): tls.TLSSocket {
  const socket = tls.connect({
    host: to.host,
    port: to.port,
    servername: net.isIP(target.hostname) ? undefined : target.hostname,
    // Through a relay the certificate must still match the target, not the relay's address.
    checkServerIdentity: (_host, cert) => tls.checkServerIdentity(target.hostname, cert),
    ALPNProtocols: target.alpn,
    ca: target.ca,
    rejectUnauthorized: !target.insecure,
    // Without a session Node makes a full handshake: it keeps no client session cache of its own.
    session: target.resume ? target.session : undefined,
  });
  // TLS 1.3 tickets arrive after the handshake, possibly several: the latest is the one to offer next.
  if (target.resume) socket.on('session', (session: Buffer) => (target.session = session));
  return socket;
}

/**
 * Copies what the connection's handshake negotiated into a request's record. Unlike the phase times,
 * which only the request that opened a connection pays, these describe every request the connection
 * carries.
 */
export function tagTls(rec: RequestTimings, timed: TimedSocket | undefined): void {
  const facts = timed?.tls;
  if (facts === undefined) return;
  rec.alpn = facts.alpn;
  rec.tlsVersion = facts.version;
  rec.tlsResumed = facts.resumed;
}

/** The event after which the socket can carry the request. */
export function readyEvent(target: SocketTarget): 'connect' | 'secureConnect' {
  return target.secure ? 'secureConnect' : 'connect';
}

/**
 * Where a request starts reading on a connection, so its response's wire bytes can be told apart from
 * the connection's earlier traffic: `bytesIn(mark)` after the request is what arrived since (headers and
 * framing included — what the transport's format costs per token). Over TLS Node counts the decrypted
 * stream, so TLS record overhead (~22–29 bytes per record) is not in it.
 */
export function markBytes(timed: TimedSocket | undefined): { socket: TimedSocket['socket'] | undefined; at: number } {
  return { socket: timed?.socket, at: timed?.socket.bytesRead ?? 0 };
}

export function bytesIn(
  timed: TimedSocket | undefined,
  mark: { socket: TimedSocket['socket'] | undefined; at: number },
): number {
  const socket = timed?.socket;
  if (socket === undefined) return 0;
  return socket.bytesRead - (socket === mark.socket ? mark.at : 0);
}
