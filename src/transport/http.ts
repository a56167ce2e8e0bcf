import { Client } from 'undici';
import type { Dispatcher } from 'undici';
import type {
  Connection,
  HttpProtocol,
  ProtocolAdapter,
  RequestInput,
  RequestRecord,
  StreamDecoder,
  Transport,
  TransportOptions,
} from '../load/types.js';
import { now } from '../metrics/clock.js';
import { classifyError, RequestTimeout, statusClass } from './errors.js';
import { openTimedSocket, readyEvent, socketTarget, type SocketTarget, type TimedSocket } from './socket.js';
import { ownSocket, type SocketOwner } from './undici-hooks.js';

/** Error bodies are read for their message only; a misbehaving server cannot make us buffer more. */
const ERROR_BODY_LIMIT = 4096;

/**
 * One virtual user's HTTP/1.1 connection through an undici Client of its own (not a shared Pool), so the
 * connection a request opened is known exactly and its phases land in that request's record. With
 * `fresh`, every request gets a new Client and the connection closes after it (`reset: true` sends
 * `connection: close`); otherwise the Client keeps its socket alive across requests.
 */
class HttpConnection implements Connection, SocketOwner {
  private client: Client | undefined;
  inFlight: RequestRecord | undefined;
  private deadline: AbortSignal | undefined;
  private timed: TimedSocket | undefined;
  private readonly target: SocketTarget;
  private readonly origin: string;
  private readonly http: HttpProtocol;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(
    protocol: ProtocolAdapter,
    opts: TransportOptions,
    private readonly fresh: boolean,
  ) {
    this.http = protocol.http;
    this.target = socketTarget(opts.target, ['http/1.1'], opts.tls);
    // A target given as ws(s):// (shared with WebSocket variants) means the same host over http(s).
    this.origin = `${this.target.secure ? 'https' : 'http'}://${opts.target.host}`;
    this.path = joinPath(opts.target, protocol.http.path);
    this.headers = { ...protocol.http.headers, ...opts.headers };
  }

  private newClient(): Client {
    return new Client(this.origin, {
      pipelining: 1,
      // The harness enforces its own per-request deadline; undici's would race it with other codes.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (_options, callback) => {
        const rec = this.inFlight;
        if (rec === undefined) {
          callback(new Error('connection opened outside a request'), null);
          return;
        }
        const timed = openTimedSocket(this.target, rec, 'readable');
        this.timed = timed;
        ownSocket(timed.socket, this);
        // undici hands the request a controller only once it is on a connected socket: until then the
        // deadline must reach the connection attempt itself, or a peer that never completes the TCP or
        // TLS handshake holds the request past its timeout.
        const deadline = this.deadline;
        const settle = (err: Error | null): void => {
          timed.socket.removeListener('error', settle);
          deadline?.removeEventListener('abort', onAbort);
          if (err === null) callback(null, timed.socket);
          else callback(err, null);
        };
        const onAbort = (): void => {
          timed.socket.destroy();
          settle(new RequestTimeout());
        };
        timed.socket.once('error', settle);
        timed.socket.once(readyEvent(this.target), () => settle(null));
        deadline?.addEventListener('abort', onAbort, { once: true });
      },
    });
  }

  exchange(req: RequestInput, rec: RequestRecord, signal: AbortSignal): Promise<void> {
    this.inFlight = rec;
    this.deadline = signal;
    rec.reused = true; // the connector clears it when this request opens the connection
    const client = this.fresh || this.client === undefined ? this.newClient() : this.client;
    if (!this.fresh) this.client = client;
    const body = this.http.encode(req);
    return new Promise<boolean>((resolve) => {
      const handler = new ResponseHandler(this, rec, this.http, signal, resolve);
      client.dispatch(
        { origin: this.origin, method: 'POST', path: this.path, headers: this.headers, body, reset: this.fresh },
        handler,
      );
    }).then((broken) => {
      this.inFlight = undefined;
      this.deadline = undefined;
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

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await client.close().catch(() => client.destroy());
  }
}

class ResponseHandler implements Dispatcher.DispatchHandler {
  private decoder: StreamDecoder | undefined;
  private errorBody = '';
  private settled = false;
  private readonly onAbort: () => void;
  private controller: Dispatcher.DispatchController | undefined;

  constructor(
    private readonly conn: HttpConnection,
    private readonly rec: RequestRecord,
    private readonly http: HttpProtocol,
    private readonly signal: AbortSignal,
    /** Called once; `true` when the connection broke and must not be reused. */
    private readonly resolve: (broken: boolean) => void,
  ) {
    this.onAbort = () => this.controller?.abort(new RequestTimeout());
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.signal.aborted) controller.abort(new RequestTimeout());
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.rec.firstByte = this.conn.arrival();
    this.rec.status = statusCode;
    if (statusCode >= 200 && statusCode < 300) this.decoder = this.http.decoder(this.rec);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.decoder !== undefined) {
      try {
        this.decoder.push(chunk, this.conn.arrival());
      } catch (err) {
        // Whatever the server sent, a decoder failure is that response's protocol error, not a crash.
        this.rec.error(now(), 'protocol', 'decode_failed', (err as Error)?.message ?? String(err));
        controller.abort(err as Error);
      }
    } else if (this.errorBody.length < ERROR_BODY_LIMIT) this.errorBody += chunk.toString('utf8', 0, ERROR_BODY_LIMIT);
  }

  onResponseEnd(): void {
    const t = this.conn.arrival();
    if (this.decoder !== undefined) this.decoder.end(t);
    else {
      const { code, message } = errorDetails(this.errorBody);
      // The API's own code (previous_response_not_found, rate_limit_exceeded…) says more than the status.
      this.rec.error(t, statusClass(this.rec.status), code ?? String(this.rec.status), message);
    }
    this.settle(false);
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    const { cls, code, message } = classifyError(err, this.rec.connectEnd !== 0 || this.rec.reused);
    this.rec.error(now(), cls, code, message);
    this.settle(true);
  }

  private settle(broken: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.signal.removeEventListener('abort', this.onAbort);
    this.resolve(broken);
  }
}

/** The code and message of an OpenAI/Anthropic-style JSON error body, else the raw text as the message. */
export function errorDetails(body: string): { code: string | undefined; message: string } {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string; code?: unknown } | string; message?: string };
    if (typeof parsed.error === 'string') return { code: undefined, message: parsed.error };
    const code = parsed.error?.code;
    return {
      code: typeof code === 'string' && code !== '' ? code : undefined,
      message: parsed.error?.message ?? parsed.message ?? body.slice(0, 200),
    };
  } catch {
    return { code: undefined, message: body.slice(0, 200) };
  }
}

/** Appends the protocol path to the target's own path prefix (e.g. a gateway mounted under /openai). */
export function joinPath(target: URL, path: string): string {
  const prefix = target.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return prefix + path;
}

export const httpFresh = {
  kind: 'http-fresh',
  connection: (protocol, opts) => new HttpConnection(protocol, opts, true),
} as const satisfies Transport;

export const httpKeepalive = {
  kind: 'http-keepalive',
  connection: (protocol, opts) => new HttpConnection(protocol, opts, false),
} as const satisfies Transport;
