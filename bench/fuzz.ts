/**
 * The fuzz tests' properties (bench/lib/fuzz-cases.ts, fuzz-files.ts) for many more cases: 1M by default.
 * Figures, not a test: counts of cases, crashes (an exception a reader may not throw, or a broken
 * property) and hang candidates (a case over --hang-ms), with what replays each. Both are expected 0.
 *
 *   npm run bench:fuzz -- --cases 10000 --seed 42
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import fc from 'fast-check';

import { numArg } from './lib/args.js';
import { checkHttp, checkWs, httpCaseArb, wsCaseArb } from './lib/fuzz-cases.js';
import { checkHlog, checkRequests, checkResult, corruptionArb } from './lib/fuzz-files.js';

const cases = numArg('cases', 1_000_000);
const seed = numArg('seed', Date.now() % 2 ** 31);
const hangMs = numArg('hang-ms', 100);
/** Crashes and hangs shown in full per property; the counts cover the rest. */
const SHOWN = 3;

const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-fuzz-'));

interface Target {
  name: string;
  /** Share of the cases: the decoders are the hot, network-facing part; files cost a write each. */
  share: number;
  arb: fc.Arbitrary<unknown>;
  check(input: unknown): void | Promise<void>;
}

const TARGETS: Target[] = [
  { name: 'http decoders', share: 0.5, arb: httpCaseArb, check: (x) => checkHttp(x as never) },
  { name: 'ws decoders', share: 0.3, arb: wsCaseArb, check: (x) => checkWs(x as never) },
  { name: 'result.json', share: 0.08, arb: corruptionArb, check: (x) => checkResult(dir, x as never) },
  { name: 'requests.jsonl', share: 0.06, arb: corruptionArb, check: (x) => checkRequests(dir, x as never) },
  { name: '.hlog', share: 0.06, arb: corruptionArb, check: (x) => checkHlog(dir, x as never) },
];

const errorText = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));

async function run(t: Target, runs: number, targetSeed: number): Promise<void> {
  let index = 0;
  let crashes = 0;
  let hangs = 0;
  let slowest = 0;
  const started = performance.now();
  // Every case passes as far as fast-check knows: it is counted here instead, and the run goes on.
  const predicate = async (input: unknown): Promise<boolean> => {
    const k = index++;
    const t0 = performance.now();
    try {
      await t.check(input);
    } catch (err) {
      if (++crashes <= SHOWN) console.log(`  crash: seed ${targetSeed} path ${k}\n    ${errorText(err)}`);
    }
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    if (ms > hangMs && ++hangs <= SHOWN)
      console.log(`  hang candidate: seed ${targetSeed} path ${k}, ${ms.toFixed(0)} ms`);
    return true;
  };
  await fc.check(fc.asyncProperty(t.arb, predicate), { seed: targetSeed, numRuns: runs });
  const s = (performance.now() - started) / 1000;
  console.log(
    `${t.name.padEnd(15)} ${String(runs).padStart(8)} cases  ${String(crashes).padStart(3)} crashes  ` +
      `${String(hangs).padStart(3)} hangs  slowest ${slowest.toFixed(1)} ms  ${s.toFixed(1)} s`,
  );
}

console.log(`seed ${seed}, ${cases} cases, hang threshold ${hangMs} ms (replay: fc.assert(..., { seed, path }))`);
try {
  // Each target its own seed derived from the one printed, so a target replays without the others.
  for (const [i, t] of TARGETS.entries()) await run(t, Math.max(1, Math.round(cases * t.share)), seed + i);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
