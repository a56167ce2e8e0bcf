import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import { Client, type Dispatcher } from 'undici';

import { now } from '../core/clock.js';
import type { StreamDecoder } from '../core/types.js';
import { Timeline } from '../metrics/timeline.js';
import { connectTimed, ERROR_BODY_LIMIT, errorDetails } from '../transport/dispatch.js';
import { classifyError, statusClass } from '../transport/errors.js';
import { bytesIn, markBytes, type SocketTarget, type TimedSocket } from '../transport/socket.js';
import { JSON_ANSWER_LIMIT, recordJsonAnswer } from './json-answer.js';
import type { Recorder } from './recorder.js';
import { forwardHeaders, isJson, isStream, routeOf } from './routes.js';

/** A request body larger than this is refused (413): a proxy must not buffer without bound. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** How long the upstream connection may take to open. */
const CONNECT_MS = 30_000;

/**
 * The upstream leg of one client connection: an undici Client of its own, so the client's connection
 * reuse is the upstream's (a fresh client connection opens a fresh upstream one), and the socket it
 * opened is timed as a run's is — arrival stamps before llhttp parses, connection phases in the record
 * of the exchange that opened it.
 */
class Upstream {
  readonly client: Client;
  timed: TimedSocket | undefined;
  /** The exchange being forwarded: whoever the connector opens a socket for. */
  current: Timeline | undefined;

  constructor(origin: string, target: SocketTarget) {
    this.client = new Client(origin, {
      pipelining: 1,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (_o, callback) => {
        const tl = this.current ?? new Timeline(now(), now());
        this.timed = connectTimed(target, tl, AbortSignal.timeout(CONNECT_MS), 'readable', callback);
      },
    });
  }

  arrival(): number {
    return this.timed?.arrival || now();
  }
}

/** Forwards each HTTP request unchanged and times the streamed answers of the protocols wirebench knows. */
export class HttpProxy {
  private readonly upstreams = new WeakMap<Socket, Upstream>();
  private readonly all = new Set<Upstream>();
  /** The Host every forwarded request names: the target's. */
  private readonly host: string;

  constructor(
    private readonly origin: string,
    /** The target URL's path, put before every request's (a base URL with a prefix). */
    private readonly prefix: string,
    private readonly target: SocketTarget,
    private readonly recorder: Recorder,
  ) {
    this.host = new URL(origin).host;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const t0 = now();
    this.recorder.headers(req.headers);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large for wirebench record\n');
        return;
      }
      this.forward(req, res, Buffer.concat(chunks), t0);
    });
  }

  private upstreamFor(socket: Socket): Upstream {
    let up = this.upstreams.get(socket);
    if (up === undefined) {
      const created = new Upstream(this.origin, this.target);
      up = created;
      this.upstreams.set(socket, created);
      this.all.add(created);
      socket.once('close', () => {
        this.all.delete(created);
        void created.client.destroy().catch(() => {});
      });
    }
    return up;
  }

  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer, t0: number): void {
    const up = this.upstreamFor(req.socket);
    const route = req.method === 'POST' ? routeOf(req.url ?? '/', 'http') : undefined;
    const tl = new Timeline(t0, t0, this.recorder.keepText);
    tl.reused = true; // the connector clears it when this request opens the connection
    up.current = tl;
    const headers = forwardHeaders(req.rawHeaders).flat();
    headers.push('host', this.host);
    let controller: Dispatcher.DispatchController | undefined;
    let decoder: StreamDecoder | undefined;
    const mark = markBytes(up.timed);
    let timed = false;
    /** A failed answer of a known protocol: its body, for the API's own error code and message. */
    let errorBody: string | undefined;
    /** A whole JSON answer of a known protocol (`stream: false`), for its usage; undefined past the limit. */
    let jsonBody: Buffer[] | undefined;
    let jsonSize = 0;
    let over = false;
    const finish = (): void => {
      if (over) return;
      over = true;
      if (up.current === tl) up.current = undefined;
      if (timed) this.recorder.done(route!.kind, 'http', tl, body);
      else this.recorder.untimed();
    };
    // The client left before the end (an interrupt): the upstream request goes too, counted as cancelled.
    res.once('close', () => {
      if (over) return;
      tl.cancel(now());
      controller?.abort(new Error('client closed'));
      finish();
    });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: (c) => {
        controller = c;
        tl.requestSent = now();
      },
      onResponseStart: (_c, status, responseHeaders, statusText) => {
        tl.firstByte = up.arrival();
        tl.status = status;
        const ok = status >= 200 && status < 300;
        // A streamed or whole answer is timed; a refused request (401, 429, 500…) is counted and classified.
        const type = header(responseHeaders['content-type']);
        timed = route !== undefined && (ok ? isStream(type) || isJson(type) : status >= 400);
        if (timed && ok && isStream(type)) decoder = route!.adapter.http!.decoder(tl);
        else if (timed && ok) jsonBody = [];
        else if (timed) errorBody = '';
        res.writeHead(status, statusText, responseHeaderList(responseHeaders));
        res.flushHeaders();
      },
      onResponseData: (c, chunk) => {
        const t = up.arrival();
        const flowing = res.write(chunk);
        if (timed) this.recorder.forwarded(route!.kind, 'http', t, now());
        if (!flowing) {
          c.pause();
          res.once('drain', () => c.resume());
        }
        if (errorBody !== undefined && errorBody.length < ERROR_BODY_LIMIT)
          errorBody += chunk.toString('utf8', 0, ERROR_BODY_LIMIT);
        if (jsonBody !== undefined) {
          jsonSize += chunk.length;
          if (jsonSize <= JSON_ANSWER_LIMIT) jsonBody.push(chunk);
        }
        if (decoder === undefined) return;
        try {
          decoder.push(chunk, t);
        } catch (err) {
          tl.error(t, 'protocol', 'decode_failed', (err as Error)?.message ?? String(err));
          decoder = undefined;
        }
      },
      onResponseEnd: () => {
        const t = up.arrival();
        tl.bytesIn = bytesIn(up.timed, mark);
        res.end();
        if (errorBody !== undefined) {
          const { code, message } = errorDetails(errorBody);
          tl.error(t, statusClass(tl.status), code ?? String(tl.status), message);
        }
        if (jsonBody !== undefined)
          recordJsonAnswer(tl, jsonSize <= JSON_ANSWER_LIMIT ? Buffer.concat(jsonBody).toString('utf8') : undefined, t);
        try {
          decoder?.end(t);
        } catch (err) {
          tl.error(t, 'protocol', 'decode_failed', (err as Error)?.message ?? String(err));
        }
        finish();
      },
      onResponseError: (_c, err) => {
        const { cls, code, message } = classifyError(err, controller !== undefined);
        tl.error(now(), cls, code, message);
        // A known protocol's request that failed on the way (refused, reset) is counted as a run counts it.
        if (route !== undefined) timed = true;
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`upstream: ${message}\n`);
        else res.destroy();
        finish();
      },
    };
    up.client.dispatch(
      { origin: this.origin, method: req.method ?? 'GET', path: this.prefix + (req.url ?? '/'), headers, body },
      handler,
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((u) => u.client.destroy().catch(() => {})));
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The response's end-to-end headers as Node's flat list (framing is re-done by this hop). */
function responseHeaderList(h: Record<string, string | string[] | undefined>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(h)) {
    if (value === undefined || name === 'connection' || name === 'keep-alive' || name === 'transfer-encoding') continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push(name, v);
  }
  return out;
}
