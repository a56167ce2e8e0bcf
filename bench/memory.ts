/**
 * bench/memory — peak RSS of a run must not grow with its length: request records stream to
 * requests.jsonl and histograms have a fixed size, so 200k requests should need what 20k need.
 *
 * Runs the built CLI (`wirebench run … --quiet`) as a child process, twice: 20k and 200k measured requests
 * in all, split over two interleaved variants (HTTP keep-alive, persistent WebSocket), 16 closed-loop
 * users, against the embedded reference server answering 4 tokens at once — so the run is all per-request
 * bookkeeping and nothing else. The kernel's own peak (VmHWM in /proc/<pid>/status) is read every 100 ms
 * for the client and for its embedded server (a child of the client, found through /proc); since start-up
 * may set the peak, the client's largest RSS sample in the second half of each run is printed too. Linux only;
 * loopback only; each run is cut off after 15 minutes.
 *
 * Usage: npm run build && node dist/bench/memory.js [--quick]   (--quick: 2k vs 20k requests)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Result } from '../src/result/result.js';
import { procCpuSeconds } from './lib/server.js';

const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url));
const QUICK = process.argv.includes('--quick');
const KEEP = process.argv.includes('--keep');
const SIZES = QUICK ? [2_000, 20_000] : [20_000, 200_000];
const CONCURRENCY = 16;
const VARIANTS = [
  { name: 'http-keepalive', protocol: 'openai-responses', connection: 'http-keepalive' },
  { name: 'ws-persistent', protocol: 'openai-responses', connection: 'ws-persistent' },
];
const RUN_LIMIT_MS = 15 * 60_000;
const POLL_MS = 100;

interface Run {
  requests: number;
  wallS: number;
  clientPeakKb: number;
  /** Largest RSS sampled in the second half of the run: growth shows here even when start-up set the peak. */
  clientLateKb: number;
  serverPeakKb: number;
  clientCpuS: number;
  serverCpuS: number;
  jsonlBytes: number;
  ok: number;
  errors: number;
  stderr: string;
}

/** VmHWM and VmRSS in kB; undefined once the process is gone. */
function memKb(pid: number): { hwm: number; rss: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { hwm: field('VmHWM'), rss: field('VmRSS') };
  } catch {
    return undefined;
  }
}

function firstChild(pid: number): number | undefined {
  try {
    const pids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return pids.length > 0 ? Number(pids[0]) : undefined;
  } catch {
    return undefined;
  }
}

async function run(dir: string, total: number): Promise<Run> {
  const scenarioFile = path.join(dir, `memory-${total}.json`);
  const outDir = path.join(dir, `out-${total}`);
  writeFileSync(
    scenarioFile,
    JSON.stringify({
      name: `bench-memory-${total}`,
      target: 'embedded',
      server: { ttft_ms: 0, tps: 100_000, output_tokens: 4, stamp: false },
      request: { prompt: 'hi', max_output_tokens: 4 },
      variants: VARIANTS,
      load: { kind: 'closed', concurrency: CONCURRENCY, requests: total / VARIANTS.length, warmup: CONCURRENCY },
      timeout: 30,
    }),
  );
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [CLI, 'run', scenarioFile, '--out', outDir, '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const pid = child.pid!;
  let serverPid: number | undefined;
  let client = { hwm: 0, rss: 0 };
  const rssKb: number[] = [];
  let serverPeakKb = 0;
  let clientCpuS = 0;
  let serverCpuS = 0;
  // The last read before exit is the best anyone outside the process gets; VmHWM is a running maximum, so
  // only the growth in the final 100 ms can be missed.
  const poll = setInterval(() => {
    const m = memKb(pid);
    if (m !== undefined) rssKb.push(m.rss);
    client = m ?? client;
    clientCpuS = procCpuSeconds(pid) ?? clientCpuS;
    serverPid ??= firstChild(pid);
    if (serverPid === undefined) return;
    serverPeakKb = Math.max(serverPeakKb, memKb(serverPid)?.hwm ?? 0);
    serverCpuS = procCpuSeconds(serverPid) ?? serverCpuS;
  }, POLL_MS);
  const limit = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  clearInterval(poll);
  clearTimeout(limit);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (signal === 'SIGKILL') throw new Error(`${total} requests: cut off after ${RUN_LIMIT_MS / 60_000} minutes`);
  if (code !== 0) throw new Error(`${total} requests: wirebench exited ${code ?? signal}: ${stderr.trim()}`);
  const result = JSON.parse(readFileSync(path.join(outDir, 'result.json'), 'utf8')) as Result;
  const ok = result.variants.reduce((n, v) => n + v.counts.ok, 0);
  const requests = result.variants.reduce((n, v) => n + v.counts.requests, 0);
  return {
    requests,
    wallS,
    clientPeakKb: client.hwm,
    clientLateKb: Math.max(0, ...rssKb.slice(Math.floor(rssKb.length / 2))),
    serverPeakKb,
    clientCpuS,
    serverCpuS,
    jsonlBytes: statSync(path.join(outDir, 'requests.jsonl')).size,
    ok,
    errors: requests - ok,
    stderr: stderr.trim(),
  };
}

const mb = (kb: number): string => (kb / 1024).toFixed(1);

async function main(): Promise<void> {
  if (!statSync('/proc/self/status', { throwIfNoEntry: false }))
    throw new Error('bench/memory reads /proc: Linux only');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-memory-'));
  const runs: Run[] = [];
  try {
    for (const total of SIZES) runs.push(await run(dir, total));
  } finally {
    if (KEEP) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `bench/memory: closed loop, ${CONCURRENCY} users, ${VARIANTS.map((v) => v.name).join(' + ')} interleaved, ` +
      '4-token answers, embedded server\n',
  );
  console.log(
    'requests   ok      wall s   req/s   client peak MB  late max MB*  server peak MB  requests.jsonl MB  CPU s client/server',
  );
  for (const r of runs) {
    console.log(
      `${String(r.requests).padEnd(11)}${String(r.ok).padEnd(8)}${r.wallS.toFixed(1).padStart(6)}` +
        `${Math.round(r.requests / r.wallS)
          .toString()
          .padStart(8)}${mb(r.clientPeakKb).padStart(17)}` +
        `${mb(r.clientLateKb).padStart(15)}${mb(r.serverPeakKb).padStart(16)}${(r.jsonlBytes / 1048576).toFixed(1).padStart(19)}` +
        `${r.clientCpuS.toFixed(1).padStart(14)} / ${r.serverCpuS.toFixed(1)}`,
    );
  }
  const [a, b] = runs;
  console.log('');
  console.log(
    `${b.requests / a.requests}× the requests: client peak RSS ${(b.clientPeakKb / a.clientPeakKb).toFixed(2)}×, ` +
      `late max ${(b.clientLateKb / a.clientLateKb).toFixed(2)}×, ` +
      `server peak RSS ${(b.serverPeakKb / a.serverPeakKb).toFixed(2)}×, requests.jsonl ${(b.jsonlBytes / a.jsonlBytes).toFixed(2)}× ` +
      '(flat: ≈ 1.0× for RSS)',
  );
  console.log('* client RSS, largest sample in the second half of the run: start-up can set the peak');
  console.log('(wall time and req/s include process start-up and the embedded server start)');
  console.log(`load average (1 min) at the end: ${os.loadavg()[0].toFixed(2)} on ${os.availableParallelism()} cores`);
  for (const r of runs) if (r.errors > 0) console.log(`${r.requests} requests: ${r.errors} failed`);
  for (const r of runs) if (r.stderr) console.log(`${r.requests} requests, child stderr: ${r.stderr.split('\n')[0]}`);
}

await main();
