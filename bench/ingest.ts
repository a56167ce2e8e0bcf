/**
 * bench/ingest — how many token events one wirebench process ingests, and the client CPU each costs,
 * SSE vs WebSocket, next to a floor (a bare node:net / bare ws reader that only counts bytes or messages)
 * measured in the same run. Figures, not a test: the machine is shared, so read the ratios.
 *
 * The reference server runs in a child process and emits 1000-token answers as fast as it can (tps 1e6, TTFT 0), so the client is the
 * only thing being timed. Usage: npm run bench [-- --requests 200 --rounds 5]
 */
import net from 'node:net';

import { Client } from 'undici';
import WebSocket from 'ws';

import { now } from '../src/core/clock.js';
import type { ConnectionPolicy, RequestInput } from '../src/core/types.js';
import { MetricSet } from '../src/metrics/metric-set.js';
import { outputTokens, recordRequest } from '../src/metrics/request-metrics.js';
import { Timeline } from '../src/metrics/timeline.js';
import { openaiResponses } from '../src/protocols/openai-responses.js';
import { startEmbeddedServer } from '../src/run/embedded.js';
import { getTransport } from '../src/transport/registry.js';

const TOKENS = 1000;
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const REQUESTS = arg('requests', 100);
const ROUNDS = arg('rounds', 5);

const body = JSON.stringify({ model: 'bench', input: 'hi', max_output_tokens: TOKENS, stream: true });

/** Floor for SSE: one request per connection, bytes counted, nothing parsed. */
function bareSse(url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const s = net.connect({ host: url.hostname, port: Number(url.port) }, () => {
      s.write(
        `POST /v1/responses HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n` +
          `connection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    s.on('data', (b: Buffer) => {
      bytes += b.length;
    });
    s.on('end', () => (bytes > 0 ? resolve() : reject(new Error('empty response'))));
    s.on('error', reject);
  });
}

/** Floor for WebSocket: one persistent socket, messages counted until the completed event. */
async function bareWs(url: URL): Promise<(n: number) => Promise<void>> {
  const ws = new WebSocket(`ws://${url.host}/v1/responses`, { perMessageDeflate: false, skipUTF8Validation: true });
  await new Promise((r) => ws.once('open', r));
  const completed = Buffer.from('{"type":"response.completed"');
  let onTurnEnd: () => void = () => {};
  ws.on('message', (data: Buffer) => {
    if (data.length > completed.length && data.compare(completed, 0, completed.length, 0, completed.length) === 0)
      onTurnEnd();
  });
  const msg = JSON.stringify({ type: 'response.create', model: 'bench', input: 'hi', max_output_tokens: TOKENS });
  return async (n) => {
    for (let i = 0; i < n; i++) {
      await new Promise<void>((r) => {
        onTurnEnd = r;
        ws.send(msg);
      });
    }
    ws.close();
  };
}

/** undici alone on one kept-alive connection, body bytes counted: what the HTTP client library costs. */
async function bareUndici(url: URL, n: number): Promise<void> {
  const client = new Client(url.origin, { pipelining: 1 });
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      let bytes = 0;
      client.dispatch(
        { method: 'POST', path: '/v1/responses', headers: { 'content-type': 'application/json' }, body },
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

/** The full wirebench path: transport, adapter, timeline and histograms. */
async function wirebench(policy: ConnectionPolicy, url: URL, n: number): Promise<void> {
  const conn = getTransport(policy).connection(openaiResponses, { target: url, headers: {}, perMessageDeflate: false });
  const input: RequestInput = { model: 'bench', prompt: 'hi', maxOutputTokens: TOKENS, extra: {} };
  const set = new MetricSet();
  for (let i = 0; i < n; i++) {
    const t = now();
    const tl = new Timeline(t, t);
    await conn.exchange(input, tl, AbortSignal.timeout(30_000));
    if (!tl.ok) throw new Error(`${policy}: ${tl.errorClass} ${tl.errorMessage}`);
    recordRequest(tl, set, tl.start, outputTokens(tl, undefined));
  }
  await conn.close();
}

interface Figure {
  cpuUsPerEvent: number;
  eventsPerS: number;
}

async function measure(fn: () => Promise<void>, events: number): Promise<Figure> {
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await fn();
  const cpu = process.cpuUsage(cpu0);
  const wallS = (now() - t0) / 1e9;
  return { cpuUsPerEvent: (cpu.user + cpu.system) / events, eventsPerS: events / wallS };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  // The server runs in a child process: its CPU must not be billed to the client (cpuUsage is per process).
  const server = await startEmbeddedServer({ ttftMs: 0, tps: 1_000_000, outputTokens: TOKENS });
  const url = new URL(server.url);
  const events = REQUESTS * TOKENS;
  const cases: Record<string, () => Promise<void>> = {
    'floor sse (net, bytes)': async () => {
      for (let i = 0; i < REQUESTS; i++) await bareSse(url);
    },
    'undici sse (bytes counted)': () => bareUndici(url, REQUESTS),
    'wirebench sse (http-keepalive)': () => wirebench('http-keepalive', url, REQUESTS),
    'floor ws (ws, messages)': async () => (await bareWs(url))(REQUESTS),
    'wirebench ws (ws-persistent)': () => wirebench('ws-persistent', url, REQUESTS),
  };
  const results: Record<string, Figure[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  // Warm-up round (JIT, connection set-up), then rounds alternating the cases so drift hits all alike.
  for (const fn of Object.values(cases)) await fn();
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of Object.entries(cases)) results[name].push(await measure(fn, events));
  }
  await server.close();

  const fig = (name: string): Figure => ({
    cpuUsPerEvent: median(results[name].map((f) => f.cpuUsPerEvent)),
    eventsPerS: median(results[name].map((f) => f.eventsPerS)),
  });
  console.log(`bench/ingest: ${ROUNDS} rounds × ${REQUESTS} requests × ${TOKENS} token events, medians\n`);
  console.log('case                              client CPU µs/event   events/s');
  for (const name of Object.keys(cases)) {
    const f = fig(name);
    console.log(
      `${name.padEnd(34)}${f.cpuUsPerEvent.toFixed(3).padStart(10)}${Math.round(f.eventsPerS).toString().padStart(19)}`,
    );
  }
  const sse = fig('wirebench sse (http-keepalive)');
  const sseFloor = fig('floor sse (net, bytes)');
  const undici = fig('undici sse (bytes counted)');
  const ws = fig('wirebench ws (ws-persistent)');
  const wsFloor = fig('floor ws (ws, messages)');
  console.log('');
  console.log(
    `SSE: ${(sse.cpuUsPerEvent / sseFloor.cpuUsPerEvent).toFixed(2)}× the floor's CPU; ` +
      `${(sse.cpuUsPerEvent - sseFloor.cpuUsPerEvent).toFixed(3)} µs/event above it (target: ≤ 1.0 µs per event in all)`,
  );
  console.log(
    `     of which the HTTP client (undici) ${(undici.cpuUsPerEvent - sseFloor.cpuUsPerEvent).toFixed(3)} µs, ` +
      `wirebench's decoding and recording ${(sse.cpuUsPerEvent - undici.cpuUsPerEvent).toFixed(3)} µs`,
  );
  console.log(
    `WS:  ${(ws.cpuUsPerEvent / wsFloor.cpuUsPerEvent).toFixed(2)}× the floor's CPU; ` +
      `${(ws.cpuUsPerEvent - wsFloor.cpuUsPerEvent).toFixed(3)} µs/message above it (target: ≤ 2.0 µs per message in all)`,
  );
}

await main();
