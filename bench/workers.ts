/**
 * bench/workers — does `workers: 2` get more out of the machine than one worker when the client is the
 * bottleneck? The server is a replay of one recorded answer, pre-framed (bench/lib/flood-server), so it
 * costs far less per event than the client; the same seeded closed-loop load runs with 1 and 2 workers,
 * alternating, and the events/s and counts are compared. Figures, not a test: read the ratio.
 *
 * Usage: npm run bench:workers [-- --concurrency 32 --requests 300 --tokens 1000 --rounds 3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import WebSocket from 'ws';

import type { Result } from '../src/result/result.js';
import { fmt, median, numArg } from './lib/args.js';
import { CLI, startServe } from './lib/server.js';

const CONCURRENCY = numArg('concurrency', 32);
const REQUESTS = numArg('requests', 300);
const TOKENS = numArg('tokens', 1000);
const ROUNDS = numArg('rounds', 3);
const FLOOD = fileURLToPath(new URL('./lib/flood-server.js', import.meta.url));

/** One answer of the reference server, as SSE bytes and as WebSocket messages. */
async function record(): Promise<{ sse: string; ws: string[] }> {
  const serve = await startServe(['--ttft-ms', '0', '--tps', '1000000', '--output-tokens', String(TOKENS)]);
  const url = new URL(serve.url);
  const request = { model: 'bench', input: 'hi', max_output_tokens: TOKENS };
  const res = await fetch(`${serve.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...request, stream: true }),
  });
  const sse = await res.text();
  const ws = new WebSocket(`ws://${url.host}/v1/responses`);
  await new Promise((r) => ws.once('open', r));
  const messages: string[] = [];
  await new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      messages.push(data.toString());
      if (data.toString().startsWith('{"type":"response.completed"')) resolve();
    });
    ws.send(JSON.stringify({ type: 'response.create', ...request }));
  });
  ws.close();
  await serve.close();
  return { sse, ws: messages };
}

function startFlood(recording: string): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, [FLOOD, recording], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`flood server exited (${code})`)));
    child.stdout.once('data', (b: Buffer) => resolve({ port: Number(b.toString().trim()), stop: () => child.kill() }));
  });
}

function run(scenario: string, workers: number, out: string): Promise<{ result: Result; wallS: number }> {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [CLI, 'run', scenario, '--workers', String(workers), '--out', out, '--quiet'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`run --workers ${workers} exited ${code}`));
      const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as Result;
      resolve({ result, wallS: Number(process.hrtime.bigint() - t0) / 1e9 });
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-workers-'));
  const recording = path.join(dir, 'recording.json');
  writeFileSync(recording, JSON.stringify(await record()));
  const flood = await startFlood(recording);
  const scenario = path.join(dir, 'scenario.yaml');
  writeFileSync(
    scenario,
    `name: workers-bench
target: http://127.0.0.1:${flood.port}/v1
request: { model: bench, prompt_tokens: 8, max_output_tokens: ${TOKENS} }
variants:
  - { name: sse, protocol: openai-responses, connection: http-keepalive }
  - { name: ws, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: ${CONCURRENCY}, requests: ${REQUESTS}, warmup: ${CONCURRENCY} }
seed: 7
`,
  );
  const rates: Record<string, Record<number, number[]>> = { sse: { 1: [], 2: [] }, ws: { 1: [], 2: [] } };
  const busy: Record<number, number[]> = { 1: [], 2: [] };
  const counts = new Set<string>();
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const w of [1, 2]) {
        const { result } = await run(scenario, w, path.join(dir, `r${r}w${w}`));
        for (const v of result.variants) {
          rates[v.name][w].push(v.throughput.output_tokens_per_s);
          counts.add(`${v.name}: ${v.counts.ok}/${v.counts.requests} ok, ${v.tokens.output} tokens`);
        }
        busy[w].push(result.client?.cpu_percent ?? NaN);
      }
    }
  } finally {
    flood.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `bench/workers: ${CONCURRENCY} streams × ${REQUESTS} requests × ${TOKENS} tokens, ${ROUNDS} rounds, medians\n`,
  );
  console.log('variant   1 worker events/s   2 workers events/s   ratio');
  for (const name of ['sse', 'ws']) {
    const [one, two] = [median(rates[name][1]), median(rates[name][2])];
    console.log(
      `${name.padEnd(10)}${Math.round(one).toString().padStart(18)}${Math.round(two).toString().padStart(21)}${fmt(two / one).padStart(8)}×`,
    );
  }
  console.log(`\nbusiest loop: ${fmt(median(busy[1]), 0)}% (1 worker), ${fmt(median(busy[2]), 0)}% (2 workers)`);
  // Every run of the same seeded load must count the same: one line per variant when they all agree.
  console.log(`counts, every run: ${[...counts].join('; ')}${counts.size > 2 ? '  ← runs differ' : ''}`);
  console.log(`load average (1 min) at the end: ${os.loadavg()[0].toFixed(2)} on ${os.availableParallelism()} cores`);
}

await main();
