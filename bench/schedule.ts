/**
 * bench/schedule — how closely the open-loop executor and trace replay keep to their arrival schedule
 * when the client is one Node thread on one core: `schedule_delay_ms` (intended → actual start)
 * percentiles, requested vs achieved arrival rate, and the client's own event-loop delay and CPU, for
 * constant and Poisson arrivals at 1000/s and for a Mooncake-format trace of the same rate replayed from
 * its file (20000 measured arrivals each, after 1 s of warm-up), HTTP keep-alive, 4-token answers.
 *
 * The reference server runs as `wirebench serve`, started here rather than embedded: CPU affinity is
 * inherited, so an embedded server would share the client's pinned core and its CPU would read as client
 * delay. With taskset and two cores, the client (`wirebench run`) is pinned to core 0 and the server to
 * core 1. Linux (reads /proc), loopback only; each run is cut off at three times its scheduled length
 * plus a minute.
 *
 * Usage: npm run build && node dist/bench/schedule.js [--rate 1000] [--requests 20000]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { MetricSummary } from '../src/result/result.js';
import type { Result, VariantResult } from '../src/result/result.js';

const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url));
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RATE = arg('rate', 1000);
const REQUESTS = arg('requests', 20_000);
const WARMUP = Math.ceil(RATE);
/** `trace`: the constant schedule written as a Mooncake trace (1 ms apart at 1000/s) and replayed from the file. */
const ARRIVALS = ['constant', 'poisson', 'trace'] as const;
const PIN = spawnSync('taskset', ['--version']).status === 0 && os.availableParallelism() >= 2;
const pinned = (core: number, argv: string[]): [string, string[]] =>
  PIN ? ['taskset', ['-c', String(core), process.execPath, ...argv]] : [process.execPath, argv];

interface Run {
  arrival: (typeof ARRIVALS)[number];
  variant: VariantResult;
  client: NonNullable<Result['client']>;
  warnings: string[];
  stderr: string;
  /** Time the client's main thread (its event loop) was runnable but not running, whole process life. */
  runQueueMs: number;
  wallS: number;
}

/** /proc/<pid>/schedstat: ns on the CPU, ns waiting on a run queue, timeslices (the main thread only). */
function runQueueMs(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return undefined;
  }
}

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const [cmd, argv] = pinned(1, [
    CLI,
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--ttft-ms',
    '1',
    '--tps',
    '100000',
    '--output-tokens',
    '4',
  ]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^listening (\S+)\n/m.exec(out);
      if (m !== null) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`wirebench serve exited (${code}) before listening`)));
  });
  return { url, child };
}

async function run(dir: string, url: string, arrival: Run['arrival']): Promise<Run> {
  const scenarioFile = path.join(dir, `schedule-${arrival}.json`);
  const outDir = path.join(dir, `out-${arrival}`);
  const trace = path.join(dir, 'trace.jsonl');
  if (arrival === 'trace') {
    // Prompts of 16 tokens as the open loop's are short: the schedule, not the text, is what is timed.
    const lines = Array.from({ length: REQUESTS + WARMUP }, (_, i) =>
      JSON.stringify({ timestamp: Math.round((i * 1000) / RATE), input_length: 16, output_length: 4, hash_ids: [i] }),
    );
    writeFileSync(trace, lines.join('\n') + '\n');
  }
  const load =
    arrival === 'trace'
      ? { kind: 'trace', requests: REQUESTS, warmup: WARMUP, max_in_flight: 1000 }
      : { kind: 'open', rate: RATE, arrival, seed: 1, requests: REQUESTS, warmup: WARMUP, max_in_flight: 1000 };
  writeFileSync(
    scenarioFile,
    JSON.stringify({
      name: `bench-schedule-${arrival}`,
      target: url,
      request: arrival === 'trace' ? { max_output_tokens: 4 } : { prompt_tokens: 16, max_output_tokens: 4 },
      ...(arrival === 'trace' ? { dataset: { path: trace, format: 'mooncake' } } : {}),
      variants: [{ name: 'http-keepalive', protocol: 'openai-responses', connection: 'http-keepalive' }],
      load,
      timeout: 30,
    }),
  );
  const [cmd, argv] = pinned(0, [CLI, 'run', scenarioFile, '--out', outDir, '--quiet']);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const t0 = process.hrtime.bigint();
  const limitMs = (3 * (REQUESTS + WARMUP) * 1000) / RATE + 60_000;
  const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
  // A stalled event loop is either the client's own work (GC, parsing) or other threads holding its
  // core; the run-queue wait tells the two apart. The last read before exit is within 100 ms of the end.
  let waitedMs = 0;
  const poll = setInterval(() => (waitedMs = runQueueMs(child.pid!) ?? waitedMs), 100);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(limit);
  clearInterval(poll);
  if (signal === 'SIGKILL') throw new Error(`${arrival}: cut off after ${Math.round(limitMs / 1000)} s`);
  if (code !== 0) throw new Error(`${arrival}: wirebench exited ${code ?? signal}: ${stderr.trim()}`);
  const result = JSON.parse(readFileSync(path.join(outDir, 'result.json'), 'utf8')) as Result;
  return {
    arrival,
    variant: result.variants[0],
    client: result.client!,
    warnings: result.warnings,
    stderr: stderr.trim(),
    runQueueMs: waitedMs,
    wallS: Number(process.hrtime.bigint() - t0) / 1e9,
  };
}

// The leading space keeps columns apart when a stalled run's figures outgrow their width.
const col = (x: number | undefined, w: number): string => ` ${(x === undefined ? '–' : x.toFixed(3)).padStart(w - 1)}`;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-schedule-'));
  const server = await startServer();
  const runs: Run[] = [];
  try {
    for (const arrival of ARRIVALS) runs.push(await run(dir, server.url, arrival));
  } finally {
    server.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `bench/schedule: open loop and trace replay at ${RATE}/s, ${REQUESTS} measured arrivals after ${WARMUP} warm-up, ` +
      'http-keepalive, 16-token unique prompts, 4-token answers (TTFT 1 ms), max_in_flight 1000',
  );
  console.log(
    PIN
      ? 'client: one Node thread, pinned to core 0 with taskset (its GC and JIT threads too); server pinned to core 1\n'
      : 'client: one Node thread, NOT pinned (no taskset or a single core); server unpinned\n',
  );
  console.log('arrival    requested  achieved   ok/requests    errors  conns opened  e2e ms p50    p99');
  for (const r of runs) {
    const v = r.variant;
    const errors =
      Object.entries(v.counts.errors)
        .map(([k, n]) => `${k}:${n}`)
        .join(',') || '0';
    const e2e = v.metrics.e2e_ms;
    console.log(
      `${r.arrival.padEnd(9)}${String(v.rate?.requested ?? '–').padStart(11)}${String(v.rate?.achieved ?? '–').padStart(10)}` +
        `${`${v.counts.ok}/${v.counts.requests}`.padStart(14)}${errors.padStart(10)}${String(v.connections.opened).padStart(14)}` +
        `${col(e2e?.p50, 12)}${col(e2e?.p99, 8)}`,
    );
  }
  console.log('\nschedule_delay_ms   p50      p90      p99    p99.9      max     mean');
  for (const r of runs) {
    const s: MetricSummary | undefined = r.variant.metrics.schedule_delay_ms;
    console.log(
      `${r.arrival.padEnd(15)}${col(s?.p50, 8)}${col(s?.p90, 9)}${col(s?.p99, 9)}${col(s?.p999, 9)}${col(s?.max, 9)}${col(s?.mean, 9)}`,
    );
  }
  console.log(
    '\nclient (measured phase)  event-loop delay ms p50      p99      max   CPU % of one core   run-queue wait ms* / process wall s',
  );
  for (const r of runs) {
    const c = r.client;
    console.log(
      `${r.arrival.padEnd(25)}${col(c.event_loop_delay_ms.p50, 24)}${col(c.event_loop_delay_ms.p99, 9)}` +
        `${col(c.event_loop_delay_ms.max, 9)}${String(c.cpu_percent).padStart(20)}${r.runQueueMs.toFixed(0).padStart(20)} / ${r.wallS.toFixed(1)}`,
    );
  }
  console.log(
    '* main thread runnable but not running (other processes, or its own GC/JIT threads, on its core), whole process life',
  );
  // The machine may be shared: other processes on the client's core show up as event-loop delay.
  console.log(`\nload average (1 min) at the end: ${os.loadavg()[0].toFixed(2)} on ${os.availableParallelism()} cores`);
  for (const r of runs) for (const w of r.warnings) console.log(`${r.arrival} warning: ${w}`);
  for (const r of runs) if (r.stderr) console.log(`${r.arrival} child stderr: ${r.stderr.split('\n')[0]}`);
}

await main();
