import { get, request } from 'node:http';

import { createParser } from 'eventsource-parser';
import WebSocket from 'ws';

import type { ServerStats } from '../../src/server/index.js';

/** One received event: its SSE name (Responses) or JSON type, parsed data and arrival time. */
export interface Received {
  event: string | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed server JSON; the tests check its shape
  data: any;
  raw: string;
  t: bigint;
}

export interface SseResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  events: Received[];
  /** Taken just before the request was sent. */
  start: bigint;
  body: string;
}

/** POSTs `body` and collects the SSE events (parsed by eventsource-parser) with their arrival times. */
export function post(
  baseUrl: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<SseResult> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const events: Received[] = [];
    let t = 0n;
    const parser = createParser({
      onEvent(e) {
        events.push({ event: e.event, data: e.data === '[DONE]' ? '[DONE]' : JSON.parse(e.data), raw: e.data, t });
      },
    });
    const req = request(
      new URL(path, baseUrl),
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          t = process.hrtime.bigint();
          text += chunk;
          parser.feed(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, events, start, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const start = process.hrtime.bigint();
    req.end(payload);
  });
}

export function ms(a: bigint, b: bigint): number {
  return Number(b - a) / 1e6;
}

/** Arrival times (ms after `start`) of the events of `type`. */
export function times(events: Received[], type: string, start: bigint): number[] {
  return events.filter((e) => e.data?.type === type).map((e) => ms(start, e.t));
}

/** A WebSocket client that queues messages with their arrival times. */
export class WsClient {
  readonly received: Received[] = [];
  private waiting: ((r: Received) => void) | undefined;
  private queue: Received[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const t = process.hrtime.bigint();
      const raw = (data as Buffer).toString(); // ws's default binaryType: one Buffer a message
      const r = { event: undefined, data: JSON.parse(raw), raw, t };
      this.received.push(r);
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(r);
      } else this.queue.push(r);
    });
  }

  static open(
    baseUrl: string,
    opts: { path?: string; headers?: Record<string, string>; deflate?: boolean } = {},
  ): Promise<WsClient> {
    const url = baseUrl.replace(/^http/, 'ws') + (opts.path ?? '/v1/responses');
    const ws = new WebSocket(url, { headers: opts.headers, perMessageDeflate: opts.deflate ?? false });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): bigint {
    const start = process.hrtime.bigint();
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
    return start;
  }

  next(): Promise<Received> {
    const r = this.queue.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Messages up to and including response.completed or an error. */
  async turn(): Promise<Received[]> {
    const out: Received[] = [];
    for (;;) {
      const r = await this.next();
      out.push(r);
      if (r.data.type === 'response.completed' || r.data.type === 'error') return out;
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The `delta` fields of Responses events: the text, or with `type` another kind of delta. */
export function deltas(events: Received[], type = 'response.output_text.delta'): string[] {
  return events.filter((e) => e.data?.type === type).map((e) => e.data.delta as string);
}

/** The server's counters as `GET /stats` reports them (what a person or another process sees). */
export function getStats(url: string): Promise<ServerStats> {
  return new Promise((resolve, reject) => {
    get(new URL('/stats', url), (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}
