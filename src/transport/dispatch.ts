import type { buildConnector, Dispatcher } from 'undici';

import { now } from '../core/clock.js';
import type { HttpProtocol, Nanos, RequestRecord, StreamDecoder } from '../core/types.js';
import { classifyError, RequestTimeout, statusClass } from './errors.js';
import type { HttpRoute } from './route.js';
import { openTimedSocket, readyEvent, type SocketTarget, type TimedSocket } from './socket.js';

/** Error bodies are read for their message only; a misbehaving server cannot make us buffer more. */
export const ERROR_BODY_LIMIT = 4096;

/**
 * undici's `connect` hook, opening the socket on behalf of the request `rec`: the connection phases land
 * in that request's record. undici hands a request a controller only once it is on a connected socket:
 * until then the deadline must reach the connection attempt itself, or a peer that never completes the
 * TCP or TLS handshake holds the request past its timeout. `refuse` rejects a socket that connected but
 * cannot serve.
 */
export function connectTimed(
  target: SocketTarget,
  rec: RequestRecord,
  deadline: AbortSignal,
  arrivalEvent: 'readable' | null,
  callback: buildConnector.Callback,
  refuse: (timed: TimedSocket) => Error | null = () => null,
): TimedSocket {
  const timed = openTimedSocket(target, rec, arrivalEvent);
  const settle = (err: Error | null): void => {
    timed.socket.removeListener('error', settle);
    deadline.removeEventListener('abort', onAbort);
    const failure = err ?? refuse(timed);
    if (failure === null) {
      callback(null, timed.socket);
    } else {
      timed.socket.destroy();
      callback(failure, null);
    }
  };
  const onAbort = (): void => settle(new RequestTimeout());
  timed.socket.once('error', settle);
  timed.socket.once(readyEvent(target), () => settle(null));
  deadline.addEventListener('abort', onAbort, { once: true });
  return timed;
}

/** What the connection a request runs on tells the request's response handler. */
export interface Carrier {
  /** Arrival time of the bytes being handled now; undici calls back synchronously from its socket read. */
  arrival(): Nanos;
  /** The request is being written to its connection, which is up. */
  started(rec: RequestRecord): void;
}

/** One streamed POST: where it goes, what it sends, where its response is decoded to. */
export interface Post {
  route: HttpRoute;
  http: HttpProtocol;
  body: string;
  rec: RequestRecord;
  signal: AbortSignal;
  carrier: Carrier;
}

/**
 * Sends one request through `client` and decodes its streamed response into the record. Settles `true`
 * when the request failed at the transport (the connection it was on may be unusable), else `false`.
 */
export function postStream(
  client: Dispatcher,
  post: Post,
  options: Pick<Dispatcher.DispatchOptions, 'reset' | 'idempotent'>,
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const { route, body } = post;
    client.dispatch(
      { origin: route.origin, method: 'POST', path: route.path, headers: route.headers, body, ...options },
      new ResponseHandler(post, resolve),
    );
  });
}

class ResponseHandler implements Dispatcher.DispatchHandler {
  private decoder: StreamDecoder | undefined;
  private errorBody = '';
  private settled = false;
  private readonly onAbort: () => void;
  /** Set once the request is on a connected socket: what failed after it had (maybe) left. */
  private controller: Dispatcher.DispatchController | undefined;
  private readonly rec: RequestRecord;
  private readonly carrier: Carrier;

  constructor(
    private readonly post: Post,
    /** Called once; `true` when the request failed at the transport. */
    private readonly resolve: (broken: boolean) => void,
  ) {
    this.rec = post.rec;
    this.carrier = post.carrier;
    this.onAbort = () => this.controller?.abort(new RequestTimeout());
    post.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // undici calls this synchronously just before it writes the request (HTTP/1.1) or opens its stream
    // (HTTP/2), after any connection set-up: the moment the request left, not when it was handed over.
    this.rec.requestSent = now();
    this.carrier.started(this.rec);
    if (this.post.signal.aborted) controller.abort(new RequestTimeout());
  }

  onResponseStart(
    _c: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.rec.firstByte = this.carrier.arrival();
    this.rec.status = statusCode;
    if (statusCode >= 400) this.rec.retryAfterMs = retryAfterMs(headers['retry-after']);
    if (statusCode >= 200 && statusCode < 300) this.decoder = this.post.http.decoder(this.rec);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.decoder !== undefined) {
      try {
        this.decoder.push(chunk, this.carrier.arrival());
      } catch (err) {
        // Whatever the server sent, a decoder failure is that response's protocol error, not a crash.
        this.rec.error(now(), 'protocol', 'decode_failed', (err as Error)?.message ?? String(err));
        controller.abort(err as Error);
      }
    } else if (this.errorBody.length < ERROR_BODY_LIMIT) this.errorBody += chunk.toString('utf8', 0, ERROR_BODY_LIMIT);
  }

  onResponseEnd(): void {
    const t = this.carrier.arrival();
    if (this.decoder !== undefined) {
      try {
        this.decoder.end(t);
      } catch (err) {
        // As in onResponseData: whatever the last bytes were, a decoder failure is a protocol error.
        this.rec.error(t, 'protocol', 'decode_failed', (err as Error)?.message ?? String(err));
      }
    } else {
      const { code, message } = errorDetails(this.errorBody);
      // The API's own code (previous_response_not_found, rate_limit_exceeded…) says more than the status.
      this.rec.error(t, statusClass(this.rec.status), code ?? String(this.rec.status), message);
    }
    this.settle(false);
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    const { cls, code, message } = classifyError(err, this.controller !== undefined);
    this.rec.error(now(), cls, code, message);
    this.settle(true);
  }

  private settle(broken: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.post.signal.removeEventListener('abort', this.onAbort);
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

/** `retry-after` as delay-seconds or an HTTP date (RFC 9110), in ms; 0 when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined): number {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return 0;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? 0 : Math.max(0, at - Date.now());
}
