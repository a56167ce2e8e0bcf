import { Client } from 'undici';

import { now } from '../core/clock.js';
import type {
  Connection,
  HttpProtocol,
  ProtocolAdapter,
  RequestInput,
  RequestRecord,
  Transport,
  TransportOptions,
} from '../core/types.js';
import { type Carrier, connectTimed, type Post, postStream } from './dispatch.js';
import { RequestTimeout } from './errors.js';
import { httpMode, type HttpRoute, httpRoute } from './route.js';
import { isSecure, type SocketTarget, socketTarget, tagTls, type TimedSocket } from './socket.js';

/** The server answered the handshake but did not choose h2: the policy would silently measure HTTP/1.1. */
class H2NotNegotiated extends Error {
  readonly code = 'ERR_H2_NOT_NEGOTIATED';

  constructor(alpn: string | undefined) {
    super(
      `the server did not negotiate h2 over ALPN (${alpn === undefined ? 'no protocol' : alpn}): http2 needs an HTTP/2 endpoint`,
    );
    this.name = 'H2NotNegotiated';
  }
}

/**
 * After a GOAWAY undici tries to send the streams that were in flight again on a new connection. Their
 * responses were already partly decoded, and a benchmark never sends a request twice: they fail.
 */
class InFlightLost extends Error {
  readonly code = 'ERR_H2_CONNECTION_LOST';

  constructor() {
    super('the HTTP/2 connection went away (GOAWAY) with this request in flight; it is not sent again');
    this.name = 'InFlightLost';
  }
}

function refuseUnlessH2(timed: TimedSocket): Error | null {
  const alpn = timed.tls?.alpn;
  return alpn === 'h2' ? null : new H2NotNegotiated(alpn);
}

/**
 * The one HTTP/2 connection the virtual users of a variant share: an undici Client whose socket carries
 * every user's requests as concurrent streams. Connection phases land in the record of the request that
 * opened the connection (the oldest one waiting for it); the others queued behind it start as soon as
 * it is up and count as reused.
 */
class SharedSession implements Carrier {
  readonly client: Client;
  users = 0;
  private timed: TimedSocket | undefined;
  private readonly target: SocketTarget;
  /** Requests handed to undici and not yet on a stream, oldest first, with their deadlines. */
  private readonly waiting = new Map<RequestRecord, AbortSignal>();

  constructor(opts: TransportOptions, origin: string) {
    // HTTP/1.1 is offered only so that a server without h2 completes the handshake and says so (many
    // abort it when no protocol matches): refuseUnlessH2 then names what it chose.
    this.target = socketTarget(opts, ['h2', 'http/1.1']);
    this.client = new Client(origin, {
      allowH2: true,
      // undici's default of one request at a time holds over h2 too; the server's
      // SETTINGS_MAX_CONCURRENT_STREAMS is the real cap, and the virtual users are the concurrency.
      pipelining: Infinity,
      // The harness enforces its own per-request deadline; undici's would race it with other codes.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (_options, callback) => {
        const opener = [...this.waiting].find(([, signal]) => !signal.aborted);
        if (opener === undefined) {
          // Every request waiting for this connection is past its deadline, or none waits at all and
          // undici is resending what was in flight: they fail instead.
          callback(this.waiting.size > 0 ? new RequestTimeout() : new InFlightLost(), null);
          return;
        }
        // The opener's deadline bounds the attempt: requests queued behind it fail with it if it times out.
        this.timed = connectTimed(this.target, opener[0], opener[1], null, callback, refuseUnlessH2);
      },
    });
  }

  async post(post: Post): Promise<void> {
    this.waiting.set(post.rec, post.signal);
    // Multiplexing POSTs: undici holds back a non-idempotent request while others run on the connection
    // (it could not be retried if the connection failed); the harness never retries anyway. A failed
    // request needs nothing more: its stream is reset on its own and the session goes on, and after a
    // lost connection undici connects again for the next request.
    await postStream(this.client, post, { idempotent: true });
    this.waiting.delete(post.rec);
  }

  /** Node's HTTP/2 reads the socket natively: a stream's data event is the earliest the bytes are seen. */
  arrival(): number {
    return now();
  }

  started(rec: RequestRecord): void {
    this.waiting.delete(rec);
    tagTls(rec, this.timed);
  }
}

/**
 * One shared session per options object: the load core builds one per variant (and per worker thread),
 * and every virtual user's connection of that variant is made from it. Two variants with the same target
 * still get a connection each, so neither measures the other's load.
 */
const sessions = new WeakMap<TransportOptions, SharedSession>();

function join(opts: TransportOptions, origin: string): SharedSession {
  let session = sessions.get(opts);
  if (session === undefined) {
    session = new SharedSession(opts, origin);
    sessions.set(opts, session);
  }
  session.users++;
  return session;
}

/** One virtual user's handle on its variant's shared HTTP/2 connection. */
class Http2Connection implements Connection {
  private session: SharedSession | undefined;
  private readonly route: HttpRoute;
  private readonly http: HttpProtocol;

  constructor(
    protocol: ProtocolAdapter,
    private readonly opts: TransportOptions,
  ) {
    if (!isSecure(opts.target)) {
      // Cleartext h2 (h2c) needs prior knowledge of the server, which common LLM endpoints and the
      // reference server's plain HTTP/1.1 port do not have: fail on the configuration, not per request.
      throw new Error(`http2 needs an https:// target (h2 is negotiated over TLS); ${opts.target.origin} is cleartext`);
    }
    this.http = httpMode(protocol);
    this.route = httpRoute(this.http, opts);
    this.session = join(opts, this.route.origin);
  }

  async exchange(req: RequestInput, rec: RequestRecord, signal: AbortSignal): Promise<void> {
    // Used again after close() (as an HTTP/1.1 connection would reconnect), it joins again.
    const session = (this.session ??= join(this.opts, this.route.origin));
    rec.reused = true; // the connector clears it when this request opens the connection
    await session.post({
      route: this.route,
      http: this.http,
      body: this.http.encode(req),
      rec,
      signal,
      carrier: session,
    });
  }

  /** The last user to leave closes the shared connection. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session === undefined || --session.users > 0) return;
    sessions.delete(this.opts);
    await session.client.close().catch(() => session.client.destroy());
  }
}

export const http2 = {
  kind: 'http2',
  connection: (protocol, opts) => new Http2Connection(protocol, opts),
} as const satisfies Transport;
