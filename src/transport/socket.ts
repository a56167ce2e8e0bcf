import net from 'node:net';
import tls from 'node:tls';
import type { Nanos, RequestTimings, TransportOptions } from '../load/types.js';
import { now } from '../metrics/clock.js';

export interface SocketTarget {
  hostname: string;
  port: number;
  secure: boolean;
  /** ALPN protocols to offer over TLS. */
  alpn: string[];
  ca?: string;
  insecure: boolean;
}

/** The socket a transport opened, with the arrival time of the latest bytes read from it. */
export interface TimedSocket {
  socket: net.Socket;
  /** Arrival time of the most recent bytes; read by the transport's message/body callbacks. */
  arrival: Nanos;
}

export function socketTarget(url: URL, alpn: string[], tlsOpts: TransportOptions['tls'] = {}): SocketTarget {
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  // URL keeps the brackets of an IPv6 literal; net.connect wants the bare address.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { hostname, port, secure, alpn, ca: tlsOpts.ca, insecure: tlsOpts.insecure === true };
}

/**
 * Opens a TCP (+TLS) socket and stamps its phases into `rec` from the socket's own events: `lookup`
 * (skipped by Node for an IP literal, so no DNS time is invented), `connect`, `secureConnect`.
 *
 * `arrivalEvent` is the event the consumer reads on: undici reads on 'readable', ws on 'data'. A listener
 * prepended to that same event runs before the consumer's parser, so every body chunk or WebSocket
 * message is stamped with the moment its bytes arrived, not when parsing finished. Listening on the
 * other event would change how the stream flows under the consumer's feet.
 */
export function openTimedSocket(
  target: SocketTarget,
  rec: RequestTimings,
  arrivalEvent: 'readable' | 'data',
): TimedSocket {
  rec.connStart = now();
  rec.reused = false;
  const socket = target.secure
    ? tls.connect({
        host: target.hostname,
        port: target.port,
        servername: net.isIP(target.hostname) ? undefined : target.hostname,
        ALPNProtocols: target.alpn,
        ca: target.ca,
        rejectUnauthorized: !target.insecure,
      })
    : net.connect({ host: target.hostname, port: target.port });
  // Nagle would hold back small request writes behind the ACK of the previous segment.
  socket.setNoDelay(true);
  socket.once('lookup', () => {
    rec.dnsEnd = now();
  });
  socket.once('connect', () => {
    rec.connectEnd = now();
  });
  if (target.secure) {
    socket.once('secureConnect', () => {
      rec.tlsEnd = now();
    });
  }
  const timed: TimedSocket = { socket, arrival: 0 };
  socket.prependListener(arrivalEvent, () => {
    timed.arrival = now();
  });
  return timed;
}

/** The event after which the socket can carry the request. */
export function readyEvent(target: SocketTarget): 'connect' | 'secureConnect' {
  return target.secure ? 'secureConnect' : 'connect';
}
