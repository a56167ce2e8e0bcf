import { setMaxListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type * as z from 'zod';

import type { Result } from '../result/result.js';
import type { RunStatus } from '../run/run-config.js';
import { runScenario } from '../run/runner.js';
import { type LoadedScenario, loadScenario, parseScenario } from '../scenario/load.js';
import { applyOverrides, type Overrides, recordedOverrides } from '../scenario/overrides.js';
import type { ScenarioSchema } from '../scenario/schema.js';
import { parseShard, type Shard } from '../scenario/shard.js';
import { ScenarioError } from '../shared/input-error.js';

/** A scenario as a file would hold it, before validation fills in the defaults. */
export type ScenarioInput = z.input<typeof ScenarioSchema>;

/**
 * A scenario file's path; or its text (YAML or JSON), told from a path by a line break or a leading `{`;
 * or the scenario as an object.
 */
export type ScenarioSource = string | ScenarioInput;

/** The flags of `wirebench run` that make sense to a program, and what replaces the terminal and Ctrl-C. */
export interface RunOptions {
  /** The result folder; without one the files go to a temporary folder, removed once the run is over. */
  out?: string;
  /** An endpoint base URL or `embedded`, overriding the scenario's. */
  target?: string;
  /** Measured requests per variant (sessions, for a session load). */
  requests?: number;
  /** Measured seconds per variant. */
  duration?: number;
  /** Virtual users. */
  concurrency?: number;
  /** Run only this part of the load, `i/n` or `{ index, count }`; `merge` adds the parts. */
  shard?: string | Shard;
  /** Worker threads, each running an equal part of the load (one result). */
  workers?: number;
  /** Other tools' metric definitions to compute too: `vllm`, `aiperf`, `guidellm` (docs/definitions.md). */
  definitions?: string[];
  /** Seconds between the HdrHistogram interval logs written into `out` (which it needs). */
  hdrLog?: number;
  /** Stops the run early: no new requests, then the partial result (`complete: false`). */
  signal?: AbortSignal;
  /** How long in-flight requests may go on after `signal` aborts before they are cut short (default 0). */
  graceMs?: number;
  /** Called every `progressIntervalMs` (default 1000) while the run goes, and once at its end. */
  onProgress?: (status: RunStatus) => void;
  progressIntervalMs?: number;
  /** The notices the CLI prints to stderr (steps, warnings); dropped without it. */
  onLog?: (line: string) => void;
}

/** Where an inline scenario's relative paths (dataset, CA file) resolve from: the working directory. */
const INLINE = '<inline scenario>';

function loadSource(source: ScenarioSource): LoadedScenario {
  if (typeof source !== 'string') {
    let text: string;
    try {
      // JSON is YAML: the object gets the same validation, `${env:…}` substitution and messages as a file.
      text = JSON.stringify(source, null, 2);
    } catch (err) {
      throw new ScenarioError([{ path: '', message: `cannot serialize the scenario (${(err as Error).message})` }]);
    }
    return parseScenario(text, INLINE);
  }
  return source.includes('\n') || source.trimStart().startsWith('{')
    ? parseScenario(source, INLINE)
    : loadScenario(source);
}

function shardOf(shard: RunOptions['shard']): Shard | undefined {
  if (shard === undefined) return undefined;
  const text = typeof shard === 'string' ? shard : `${shard.index}/${shard.count}`;
  const parsed = parseShard(text);
  if (parsed === undefined)
    throw new ScenarioError([{ path: 'shard', message: `must be i/n with 1 <= i <= n, got ${JSON.stringify(text)}` }]);
  return parsed;
}

function checkHdrLog(opts: RunOptions): void {
  if (opts.hdrLog === undefined) return;
  const problem =
    opts.out === undefined
      ? 'needs out: the interval logs are files in the result folder'
      : !(opts.hdrLog >= 0.1)
        ? `must be at least 0.1 seconds, got ${opts.hdrLog}`
        : undefined;
  if (problem !== undefined) throw new ScenarioError([{ path: 'hdrLog', message: problem }]);
}

/**
 * Runs a scenario as `wirebench run` does and returns its result (as written to result.json), without
 * printing, exiting or listening for signals. Bad input throws a ScenarioError; a result folder that
 * cannot be written, a ResultWriteError holding the result.
 */
export async function run(scenario: ScenarioSource, opts: RunOptions = {}): Promise<Result> {
  const loaded = loadSource(scenario);
  const { target, requests, duration, concurrency, workers, definitions } = opts;
  const overrides: Overrides = {
    target,
    requests,
    duration,
    concurrency,
    workers,
    definitions,
    shard: shardOf(opts.shard),
  };
  const applied = applyOverrides(loaded, overrides);
  checkHdrLog(opts);
  const outDir = opts.out ?? (await mkdtemp(path.join(os.tmpdir(), 'wirebench-run-')));
  const hardStop = new AbortController();
  // Every request in flight listens for the stop (and lets go when it ends): hundreds at once are normal.
  setMaxListeners(0, hardStop.signal);
  let grace: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    grace = setTimeout(() => hardStop.abort(), opts.graceMs ?? 0);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted === true) onAbort();
  let status: (() => RunStatus) | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const { onProgress } = opts;
  try {
    const { result } = await runScenario({
      loaded,
      scenario: applied,
      outDir,
      log: opts.onLog ?? (() => {}),
      stopping: () => opts.signal?.aborted === true,
      hardStop: hardStop.signal,
      overrides: recordedOverrides(overrides),
      shard: overrides.shard,
      hdrLogS: opts.hdrLog,
      ...(onProgress !== undefined
        ? {
            watch: (s: () => RunStatus) => {
              status = s;
              ticker = setInterval(() => onProgress(s()), opts.progressIntervalMs ?? 1000).unref();
            },
          }
        : {}),
    });
    if (status !== undefined) onProgress?.(status());
    return result;
  } finally {
    clearInterval(ticker);
    clearTimeout(grace);
    opts.signal?.removeEventListener('abort', onAbort);
    if (opts.out === undefined) await rm(outDir, { recursive: true, force: true });
  }
}
