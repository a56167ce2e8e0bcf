/**
 * bench/ingest — how many token events one wirebench process ingests, and the client CPU each costs,
 * SSE vs WebSocket, next to a floor (a bare node:net / bare ws reader that only counts bytes or messages)
 * measured in the same run. Figures, not a test: the machine is shared, so read the ratios.
 *
 * The reference server runs in a child process (its CPU must not be billed to the client: cpuUsage is
 * per process) and emits 1000-token answers as fast as it can (tps 1e6, TTFT 0), so the client is the
 * only thing being timed. Usage: npm run bench [-- --requests 200 --rounds 5]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { ConnectionPolicy, RequestInput } from '../src/load/types.js';
import { now } from '../src/metrics/clock.js';
import { MetricSet } from '../src/metrics/metric-set.js';
import { outputTokens, recordRequest } from '../src/metrics/request-metrics.js';
import { Timeline } from '../src/metrics/timeline.js';
import { openaiResponses } from '../src/protocols/openai-responses.js';
import { getTransport } from '../src/transport/registry.js';

const TOKENS = 1000;
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const REQUESTS = arg('requests', 100);
const ROUNDS = arg('rounds', 5);

async function startServer(): Promise<{ url: URL; child: ChildProcess }> {
  const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'index.js');
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--port', '0', '--ttft-ms', '0', '--tps', '1000000', '--output-tokens', String(TOKENS)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim().replace(/^listening /, '')));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { url: new URL(url), child };
}

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
    if (data.length > completed.length && data.compare(completed, 0, completed.length, 0, completed.length) === 0) onTurnEnd();
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
  const { url, child } = await startServer();
  const events = REQUESTS * TOKENS;
  const cases: Record<string, () => Promise<void>> = {
    'floor sse (net, bytes)': async () => {
      for (let i = 0; i < REQUESTS; i++) await bareSse(url);
    },
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
  child.kill('SIGTERM');

  const fig = (name: string): Figure => ({
    cpuUsPerEvent: median(results[name].map((f) => f.cpuUsPerEvent)),
    eventsPerS: median(results[name].map((f) => f.eventsPerS)),
  });
  console.log(`bench/ingest: ${ROUNDS} rounds × ${REQUESTS} requests × ${TOKENS} token events, medians\n`);
  console.log('case                              client CPU µs/event   events/s');
  for (const name of Object.keys(cases)) {
    const f = fig(name);
    console.log(`${name.padEnd(34)}${f.cpuUsPerEvent.toFixed(3).padStart(10)}${Math.round(f.eventsPerS).toString().padStart(19)}`);
  }
  const sse = fig('wirebench sse (http-keepalive)');
  const sseFloor = fig('floor sse (net, bytes)');
  const ws = fig('wirebench ws (ws-persistent)');
  const wsFloor = fig('floor ws (ws, messages)');
  console.log('');
  console.log(
    `SSE: ${(sse.cpuUsPerEvent / sseFloor.cpuUsPerEvent).toFixed(2)}× the floor's CPU; ` +
      `${(sse.cpuUsPerEvent - sseFloor.cpuUsPerEvent).toFixed(3)} µs/event above it (target: ≤ 1.0 µs per event in all)`,
  );
  console.log(
    `WS:  ${(ws.cpuUsPerEvent / wsFloor.cpuUsPerEvent).toFixed(2)}× the floor's CPU; ` +
      `${(ws.cpuUsPerEvent - wsFloor.cpuUsPerEvent).toFixed(3)} µs/message above it (target: ≤ 2.0 µs per message in all)`,
  );
}

await main();
