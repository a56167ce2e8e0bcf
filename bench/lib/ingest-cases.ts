/**
 * The clients bench/ingest times: bare floors (node:net, undici, ws) that only count what arrives, and
 * wirebench's own transports, adapter, timeline and histograms, the code path of a run. Each runs
 * `streams` loops at once, each loop sending its `requests` one after another on one connection, so a
 * flood (1 stream) and a paced load (many streams) are the same code with other numbers.
 */
import net from 'node:net';

import { Client } from 'undici';
import WebSocket from 'ws';

import { now } from '../../src/core/clock.js';
import type { ConnectionPolicy, RequestInput } from '../../src/core/types.js';
import { MetricSet } from '../../src/metrics/metric-set.js';
import { outputTokens, recordRequest } from '../../src/metrics/request-metrics.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { openaiResponses } from '../../src/protocols/openai-responses.js';
import { getTransport } from '../../src/transport/registry.js';

export interface Load {
  url: URL;
  streams: number;
  /** Per stream, one after another. */
  requests: number;
  /** Output tokens per response: one delta event each. */
  tokens: number;
}

/** Socket reads the SSE floor saw: events / reads says whether a load really is paced. */
export const counters = { sseReads: 0 };

const body = (load: Load): string =>
  JSON.stringify({ model: 'bench', input: 'hi', max_output_tokens: load.tokens, stream: true });

async function eachStream(load: Load, fn: (i: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: load.streams }, (_, i) => fn(i)));
}

/** The end of a chunked body. An SSE payload holds no CR, so only the last chunk ends this way. */
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');

/** Floor for SSE: one kept-alive node:net socket per stream, bytes counted, nothing parsed. */
function bareSseStream(load: Load): Promise<void> {
  const b = body(load);
  const request =
    `POST /v1/responses HTTP/1.1\r\nhost: ${load.url.host}\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(b)}\r\n\r\n${b}`;
  return new Promise((resolve, reject) => {
    let left = load.requests;
    let bytes = 0;
    let prev: Buffer = Buffer.alloc(0);
    const s = net.connect({ host: load.url.hostname, port: Number(load.url.port) }, () => s.write(request));
    s.on('data', (chunk: Buffer) => {
      counters.sseReads++;
      bytes += chunk.length;
      // A read shorter than the marker may hold only its end: join it to the read before.
      const tail = chunk.length >= LAST_CHUNK.length ? chunk : Buffer.concat([prev, chunk]);
      prev = chunk;
      const n = tail.length;
      if (n < LAST_CHUNK.length || tail.compare(LAST_CHUNK, 0, LAST_CHUNK.length, n - LAST_CHUNK.length, n) !== 0)
        return;
      if (--left > 0) s.write(request);
      else s.end();
    });
    s.on('close', () => (left === 0 && bytes > 0 ? resolve() : reject(new Error('bare SSE: connection closed early'))));
    s.on('error', reject);
  });
}

/** Floor for WebSocket: one persistent ws socket per stream, messages counted until each completed event. */
async function bareWsStream(load: Load): Promise<void> {
  const ws = new WebSocket(`ws://${load.url.host}/v1/responses`, {
    perMessageDeflate: false,
    skipUTF8Validation: true,
  });
  await new Promise((r) => ws.once('open', r));
  const completed = Buffer.from('{"type":"response.completed"');
  let onTurnEnd: () => void = () => {};
  let messages = 0;
  ws.on('message', (data: Buffer) => {
    messages++;
    if (data.length > completed.length && data.compare(completed, 0, completed.length, 0, completed.length) === 0)
      onTurnEnd();
  });
  const msg = JSON.stringify({ type: 'response.create', model: 'bench', input: 'hi', max_output_tokens: load.tokens });
  for (let i = 0; i < load.requests; i++) {
    await new Promise<void>((r) => {
      onTurnEnd = r;
      ws.send(msg);
    });
  }
  ws.close();
  if (messages < load.requests * load.tokens) throw new Error(`bare WS: ${messages} messages`);
}

/** undici alone on one kept-alive connection per stream, body bytes counted: what the HTTP client library costs. */
async function bareUndiciStream(load: Load): Promise<void> {
  const client = new Client(load.url.origin, { pipelining: 1 });
  const b = body(load);
  for (let i = 0; i < load.requests; i++) {
    await new Promise<void>((resolve, reject) => {
      let bytes = 0;
      client.dispatch(
        { method: 'POST', path: '/v1/responses', headers: { 'content-type': 'application/json' }, body: b },
        {
          // undici takes a handler for its new API only when it has onRequestStart.
          onRequestStart: () => {},
          onResponseData: (_c, chunk) => {
            bytes += chunk.length;
          },
          onResponseEnd: () => (bytes > 0 ? resolve() : reject(new Error('empty response'))),
          onResponseError: (_c, err) => reject(err),
        },
      );
    });
  }
  await client.close();
}

/** The full wirebench path per stream: transport, adapter, timeline and one histogram set for all, as a variant has. */
async function wirebench(policy: ConnectionPolicy, load: Load): Promise<void> {
  const set = new MetricSet();
  const input: RequestInput = { model: 'bench', prompt: 'hi', maxOutputTokens: load.tokens, extra: {} };
  await eachStream(load, async () => {
    const conn = getTransport(policy).connection(openaiResponses, {
      target: load.url,
      headers: {},
      perMessageDeflate: false,
    });
    for (let i = 0; i < load.requests; i++) {
      const t = now();
      // keepText false: a run stops keeping delta texts once the endpoint reports usage, as this one does.
      const tl = new Timeline(t, t, false);
      await conn.exchange(input, tl, AbortSignal.timeout(60_000));
      if (!tl.ok) throw new Error(`${policy}: ${tl.errorClass} ${tl.errorMessage}`);
      recordRequest(tl, set, tl.start, outputTokens(tl, undefined));
    }
    await conn.close();
  });
}

/** Case name → one pass of the load. The floors first: ratios are read against them. */
export const CASES: Record<string, (load: Load) => Promise<void>> = {
  'floor sse (node:net, bytes)': (load) => eachStream(load, () => bareSseStream(load)),
  'undici sse (bytes counted)': (load) => eachStream(load, () => bareUndiciStream(load)),
  'wirebench sse (http-keepalive)': (load) => wirebench('http-keepalive', load),
  'floor ws (ws, messages)': (load) => eachStream(load, () => bareWsStream(load)),
  'wirebench ws (ws-persistent)': (load) => wirebench('ws-persistent', load),
};
export const NET_FLOOR = 'floor sse (node:net, bytes)';
export const WS_FLOOR = 'floor ws (ws, messages)';
