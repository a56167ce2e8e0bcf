/**
 * bench/accuracy — how close wirebench's TTFT and ITL come to the truth as concurrency grows, next to a
 * vLLM-style Python client (bench/peers/vllm_client.py) under the same load against the same server.
 *
 * For each stream count, `wirebench serve --stamp` runs in a process of its own with a known TTFT and
 * decode rate (the truth); then, one after another against it: wirebench over SSE (openai-chat,
 * http-keepalive), wirebench over WebSocket (openai-responses, ws-persistent), each a real
 * `wirebench run` (closed loop, concurrency = streams, warm-up, ramp-up); the node:net floor
 * (bench/peers/floor-client.ts, the least a Node client can do per token and still time it); and the
 * Python peer (chat completions over HTTP). All meet the same load. TTFT error = measured − configured
 * TTFT: what the client adds (loopback round trip, its own event-loop lateness) plus the server's
 * lateness, which every client meets.
 * token_delay_ms (server write → client receipt, one clock) is wirebench's own view of its lateness.
 *
 * Figures, not a test: on a shared machine any of the processes may be descheduled for a while, which
 * shows in the tails. Usage: npm run bench:accuracy [-- --quick] [--streams 16,32,64,128,256]
 *   [--tokens 500] [--tps 1000] [--ttft 100] [--per-user 4] [--warmup-per-user 2] [--workers 1] [--python PATH] [--keep]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { stringify } from 'yaml';

import type { Result } from '../src/result/result.js';
import { type FloorFig, type PeerFig, printTables, type Row, type RunFig } from './lib/accuracy-table.js';
import { flagArg, listArg, numArg } from './lib/args.js';
import { CLI, startServe } from './lib/server.js';

const QUICK = flagArg('quick');
const STREAMS = listArg('streams', QUICK ? [16] : [16, 32, 64, 128, 256]);
const TOKENS = numArg('tokens', 500);
const TPS = numArg('tps', 1000);
const TTFT = numArg('ttft', 100);
const PER_USER = numArg('per-user', QUICK ? 2 : 4);
/** Every client is a fresh process: one warm-up answer per user left the first measured round still cold. */
const WARMUP_PER_USER = numArg('warmup-per-user', 2);
const RAMP_UP_S = 0.5;
/** wirebench's worker threads (`workers:`): the floor and the peer are one thread each whatever this says. */
const WORKERS = numArg('workers', 1);
const PROMPT = 'Write a haiku about sockets.';
const PEER = fileURLToPath(new URL('../../bench/peers/vllm_client.py', import.meta.url));
const FLOOR = fileURLToPath(new URL('./peers/floor-client.js', import.meta.url));
const RUN_LIMIT_MS = 10 * 60_000;
/** The truth: every event stamped, a known TTFT and decode rate, answers exactly as long as asked. */
const SERVE_FLAGS = ['--stamp', '--ttft-ms', `${TTFT}`, '--tps', `${TPS}`, '--output-tokens', `${TOKENS}`];

const TRANSPORTS = {
  sse: { name: 'sse', protocol: 'openai-chat', connection: 'http-keepalive' },
  ws: { name: 'ws', protocol: 'openai-responses', connection: 'ws-persistent' },
} as const;

/** The first python that imports aiohttp: pyenv shims on PATH often lack it where Debian's has it. */
function findPython(): string | undefined {
  const i = process.argv.indexOf('--python');
  const candidates = i > 0 ? [process.argv[i + 1]] : ['python3', '/usr/bin/python3'];
  return candidates.find((p) => spawnSync(p, ['-c', 'import aiohttp'], { stdio: 'ignore' }).status === 0);
}

/** Runs a child to its end (cut off after RUN_LIMIT_MS) and returns its stdout; throws on a failure. */
async function runChild(cmd: string, argv: string[], what: string): Promise<string> {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const limit = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(limit);
  if (code !== 0)
    throw new Error(`${what} exited ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return stdout;
}

async function runWirebench(dir: string, url: string, streams: number, t: keyof typeof TRANSPORTS): Promise<RunFig> {
  // A stream count may come twice (--streams 32,32): each run gets a folder of its own.
  const tag = `${t}-${streams}-${Date.now()}`;
  const file = path.join(dir, `accuracy-${tag}.yaml`);
  const out = path.join(dir, `out-${tag}`);
  writeFileSync(
    file,
    stringify({
      name: `bench-accuracy-${t}-${streams}`,
      target: url,
      request: { model: 'bench', prompt: PROMPT, max_output_tokens: TOKENS },
      variants: [TRANSPORTS[t]],
      load: {
        kind: 'closed',
        concurrency: streams,
        requests: streams * PER_USER,
        warmup: streams * WARMUP_PER_USER,
        ramp_up: RAMP_UP_S,
      },
      timeout: 60,
      ...(WORKERS > 1 ? { workers: WORKERS } : {}),
    }),
  );
  await runChild(process.execPath, [CLI, 'run', file, '--out', out, '--quiet'], `wirebench run (${t}, ${streams})`);
  const r = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as Result;
  const v = r.variants[0];
  return {
    ok: v.counts.ok,
    requests: v.counts.requests,
    ttft: v.metrics.ttft_ms,
    tokenDelay: v.metrics.token_delay_ms,
    itl: v.metrics.itl_ms,
    loopP99: r.client?.event_loop_delay_ms.p99,
    cpuPercent: r.client?.cpu_percent,
    warnings: r.warnings,
  };
}

async function runPeer(python: string, url: string, streams: number): Promise<PeerFig> {
  const argv = [PEER, '--url', `${url}/v1/chat/completions`, '--concurrency', String(streams)];
  argv.push(
    '--requests',
    String(streams * PER_USER),
    '--warmup',
    String(streams * WARMUP_PER_USER),
    '--tokens',
    String(TOKENS),
  );
  argv.push('--ramp-up', String(RAMP_UP_S), '--prompt', PROMPT);
  return JSON.parse(await runChild(python, argv, `vLLM-style peer (${streams})`)) as PeerFig;
}

async function runFloor(url: string, streams: number): Promise<FloorFig> {
  const argv = [FLOOR, '--url', url, '--streams', String(streams), '--tokens', String(TOKENS)];
  argv.push(
    '--per-user',
    String(PER_USER),
    '--warmup-per-user',
    String(WARMUP_PER_USER),
    '--ramp-up',
    String(RAMP_UP_S),
  );
  return JSON.parse(await runChild(process.execPath, argv, `node:net floor (${streams})`)) as FloorFig;
}

/** Runs `fn` and returns what it gave with the server's CPU share (% of one core) meanwhile. */
async function withServerCpu<T>(
  server: { cpuSeconds(): number | undefined },
  fn: () => Promise<T>,
): Promise<[T, number]> {
  const c0 = server.cpuSeconds() ?? NaN;
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  return [value, (((server.cpuSeconds() ?? NaN) - c0) / wallS) * 100];
}

async function main(): Promise<void> {
  const python = findPython();
  if (python === undefined)
    console.log('vLLM-style peer skipped: no python with aiohttp (apt-get install python3-aiohttp, or --python PATH)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-accuracy-'));
  const rows: Row[] = [];
  try {
    for (const [step, streams] of STREAMS.entries()) {
      process.stderr.write(`streams ${streams}: `);
      const server = await startServe(SERVE_FLAGS);
      try {
        const row: Row = { streams, serverCpu: {} };
        // Alternate which transport meets the freshly started server first, so neither always pays for it.
        for (const t of step % 2 === 0 ? (['sse', 'ws'] as const) : (['ws', 'sse'] as const)) {
          process.stderr.write(`${t} `);
          [row[t], row.serverCpu[t]] = await withServerCpu(server, () => runWirebench(dir, server.url, streams, t));
        }
        process.stderr.write('floor ');
        [row.floor, row.serverCpu.floor] = await withServerCpu(server, () => runFloor(server.url, streams));
        if (python !== undefined) {
          process.stderr.write('peer ');
          // A failing peer costs its column, not wirebench's figures.
          try {
            [row.peer, row.serverCpu.peer] = await withServerCpu(server, () => runPeer(python, server.url, streams));
          } catch (err) {
            console.log(`${streams} streams: vLLM-style peer failed: ${(err as Error).message}`);
          }
        }
        rows.push(row);
      } finally {
        await server.close();
        process.stderr.write('\n');
      }
    }
  } finally {
    if (flagArg('keep')) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  printTables(rows, {
    ttft: TTFT,
    tps: TPS,
    tokens: TOKENS,
    perUser: PER_USER,
    warmupPerUser: WARMUP_PER_USER,
    rampUp: RAMP_UP_S,
    python,
  });
  console.log(`\nload average (1 min) at the end: ${os.loadavg()[0].toFixed(2)} on ${os.availableParallelism()} cores`);
}

await main();
