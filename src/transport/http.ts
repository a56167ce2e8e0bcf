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
import { type Carrier, connectTimed, postStream } from './dispatch.js';
import { httpMode, type HttpRoute, httpRoute } from './route.js';
import { bytesIn, markBytes, type SocketTarget, socketTarget, tagTls, type TimedSocket } from './socket.js';

/**
 * One virtual user's HTTP/1.1 connection through an undici Client of its own (not a shared Pool), so the
 * connection a request opened is known exactly and its phases land in that request's record. With
 * `fresh`, every request gets a new Client and the connection closes after it (`reset: true` sends
 * `connection: close`); otherwise the Client keeps its socket alive across requests.
 */
class HttpConnection implements Connection, Carrier {
  private client: Client | undefined;
  /** The request being exchanged and its deadline: whoever the connector opens a socket for. */
  private inFlight: { rec: RequestRecord; signal: AbortSignal } | undefined;
  private timed: TimedSocket | undefined;
  private readonly target: SocketTarget;
  private readonly route: HttpRoute;
  private readonly http: HttpProtocol;

  constructor(
    protocol: ProtocolAdapter,
    opts: TransportOptions,
    private readonly fresh: boolean,
  ) {
    this.http = httpMode(protocol);
    this.target = socketTarget(opts, ['http/1.1']);
    this.route = httpRoute(this.http, opts);
  }

  private newClient(): Client {
    return new Client(this.route.origin, {
      pipelining: 1,
      // The harness enforces its own per-request deadline; undici's would race it with other codes.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (_options, callback) => {
        const inFlight = this.inFlight;
        if (inFlight === undefined) {
          callback(new Error('connection opened outside a request'), null);
          return;
        }
        this.timed = connectTimed(this.target, inFlight.rec, inFlight.signal, 'readable', callback);
      },
    });
  }

  exchange(req: RequestInput, rec: RequestRecord, signal: AbortSignal): Promise<void> {
    this.inFlight = { rec, signal };
    rec.reused = true; // the connector clears it when this request opens the connection
    const client = this.fresh || this.client === undefined ? this.newClient() : this.client;
    if (!this.fresh) this.client = client;
    const post = { route: this.route, http: this.http, body: this.http.encode(req), rec, signal, carrier: this };
    const mark = markBytes(this.fresh ? undefined : this.timed);
    return postStream(client, post, { reset: this.fresh }).then((broken) => {
      this.inFlight = undefined;
      rec.bytesIn = bytesIn(this.timed, mark);
      // After a transport failure the socket's state is unknown (an aborted request leaves a half-read
      // body): it must not carry the next request, and undici's graceful close would wait on it forever.
      if (broken && client === this.client) this.client = undefined;
      if (broken) void client.destroy().catch(() => {});
      else if (this.fresh) void client.close().catch(() => client.destroy());
    });
  }

  /** Arrival time of the bytes being handled now; undici calls back synchronously from 'readable'. */
  arrival(): number {
    return this.timed?.arrival || now();
  }

  started(rec: RequestRecord): void {
    tagTls(rec, this.timed);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await client.close().catch(() => client.destroy());
  }
}

export const httpFresh = {
  kind: 'http-fresh',
  connection: (protocol, opts) => new HttpConnection(protocol, opts, true),
} as const satisfies Transport;

export const httpKeepalive = {
  kind: 'http-keepalive',
  connection: (protocol, opts) => new HttpConnection(protocol, opts, false),
} as const satisfies Transport;
