import { rm } from 'node:fs/promises';
import path from 'node:path';

import { now } from '../core/clock.js';
import { MetricSet } from '../metrics/metric-set.js';
import type { ClientStats, LoopStats, Result } from '../result/result.js';
import { applyOverrides } from '../scenario/overrides.js';
import type { Scenario } from '../scenario/schema.js';
import type { Shard } from '../scenario/shard.js';
import type { ServerMetricsTracker } from '../scrape/tracker.js';
import { ScenarioError } from '../shared/input-error.js';
import { Endpoints } from './endpoints.js';
import { mergeIntervalLogs } from './merge-hlog.js';
import { mergeVariant } from './merge-variant.js';
import type { RunConfig } from './run-config.js';
import { assembleResult, type StepFigures, stepLabel, withServerMetrics } from './run-result.js';
import { startRun } from './run-start.js';
import { serverMetricsTracker } from './server-metrics.js';
import { WorkerPool } from './worker-pool.js';
import type { WorkerInit, WorkerPart } from './worker-protocol.js';

/** How often the parent looks whether the user asked to stop (the run's `stopping` is polled). */
const STOP_POLL_MS = 50;

/** Worker w's part of the load: the w-th of n parts of the run's own shard (or of the whole). */
export function workerShard(run: Shard | undefined, w: number, n: number): Shard {
  const base = run ?? { index: 1, count: 1 };
  return { index: (base.index - 1) * n + w, count: base.count * n };
}

/** Each worker's loop and the busiest one's at the top: a late loop in any worker delays its stamps. */
export function workerClient(parts: readonly LoopStats[]): ClientStats {
  const busiest = parts.reduce((a, b) => (b.event_loop_delay_ms.p99 > a.event_loop_delay_ms.p99 ? b : a));
  return {
    event_loop_delay_ms: busiest.event_loop_delay_ms,
    cpu_percent: Math.max(...parts.map((p) => p.cpu_percent)),
    ...(busiest.window_s !== undefined ? { window_s: busiest.window_s } : {}),
    workers: parts.map((p) => ({ ...p })),
  };
}

/** The workers' steps added up: the steps every worker got to, each variant's histograms added exactly. */
function addParts(parts: readonly WorkerPart[], steps: readonly Omit<StepFigures, 'variants'>[]): StepFigures[] {
  const count = Math.min(...parts.map((p) => p.steps.length));
  return steps.slice(0, count).map((step, k) => ({
    ...step,
    variants: parts[0].steps[k].variants.map((_, i) => mergeVariant(parts.map((p) => p.steps[k].variants[i]))),
  }));
}

/** Where worker w writes its interval logs (`--hdr-log`) until they are merged. */
const hdrLogDir = (outDir: string, w: number): string => path.join(outDir, `.worker-${w}`);

/**
 * The workers' interval logs added into one `[step<k>.]<variant>.hlog` per variant, as `merge` adds
 * shards' (on one clock; docs/distributed.md), then their folders removed. Only the logs of workers
 * whose figures are in the result: a dead worker's samples are in neither.
 */
async function mergeWorkerLogs(
  outDir: string,
  parts: readonly WorkerPart[],
  steps: readonly StepFigures[],
  scenario: Scenario,
): Promise<{ warnings: string[]; failure?: string }> {
  const failure = parts.find((p) => p.hdrLogFailure !== undefined)?.hdrLogFailure;
  const keys = steps.flatMap(({ k, variants }) => variants.map((v) => stepLabel(scenario, k) + v.name));
  const dirs = parts.map((p) => hdrLogDir(outDir, p.worker));
  try {
    const merged = await mergeIntervalLogs(dirs, keys, outDir, undefined, 'workers');
    return { warnings: merged.warnings, ...(failure !== undefined ? { failure } : {}) };
  } catch (err) {
    return { warnings: [], failure: `merging the workers' .hlog files failed: ${(err as Error).message}` };
  } finally {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

/**
 * Runs a scenario on `workers` threads (`workers: N`, `--workers N`): each runs its shard of the load as
 * `--shard` would split it, on its own connections; this thread owns the embedded server and relay, keeps
 * the workers' blocks in step, writes requests.jsonl from their lines and adds their histograms into one
 * result, exactly as `merge` adds shards.
 */
export async function runWithWorkers(cfg: RunConfig, n: number): Promise<{ result: Result; dir: string }> {
  const { scenario } = cfg;
  const loaded = { ...cfg.loaded, scenario };
  const shards = Array.from({ length: n }, (_, i) => workerShard(cfg.shard, i + 1, n));
  // Every part must get some of the load: said here, before any thread starts, as the scenario's error.
  for (const shard of shards) {
    try {
      applyOverrides(loaded, { shard });
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      throw new ScenarioError(
        err.issues.map((i) => ({ path: 'workers', message: `${n} workers split the load ${n} ways: ${i.message}` })),
        cfg.loaded.file,
      );
    }
  }
  const run = await startRun(cfg);
  const { log } = run;
  const runStart = process.hrtime.bigint();
  const runStartNs = now();
  const pool = new WorkerPool(
    shards.map((shard, i): WorkerInit => ({
      worker: i + 1,
      loaded,
      shard,
      runStart: String(runStart),
      salt: run.salt,
      ...(cfg.hdrLogS !== undefined ? { hdrLog: { dir: hdrLogDir(cfg.outDir, i + 1), seconds: cfg.hdrLogS } } : {}),
    })),
    { lines: (text) => run.writer.appendLines(text), log },
  );
  // No TTFT median while running: the workers' medians cannot be combined without their histograms.
  cfg.watch?.(() => ({
    ...pool.status(),
    total: run.total,
    perVariant: run.perVariant,
    ttftP50: undefined,
    elapsedS: (now() - runStartNs) / 1e9,
  }));
  let stopSent = false;
  const stopPoll = setInterval(() => {
    if (run.stopping() && !stopSent) {
      stopSent = true;
      pool.stop(false);
    }
  }, STOP_POLL_MS);
  const onHardStop = (): void => pool.stop(true);
  cfg.hardStop?.addEventListener('abort', onHardStop, { once: true });
  const endpoints = new Endpoints(scenario);
  let parts: WorkerPart[];
  // This thread paces the blocks, so it scrapes around them.
  const trackers = new Map<number, ServerMetricsTracker>();
  try {
    await run.eachStep(endpoints, (k, step, endpoint) => {
      const server = serverMetricsTracker(step.scenario, endpoint);
      if (server !== undefined) trackers.set(k, server);
      return pool.step(k, endpoint, server && ((next) => server.mark(next)));
    });
  } finally {
    clearInterval(stopPoll);
    cfg.hardStop?.removeEventListener('abort', onHardStop);
    parts = await pool.finish();
    await endpoints.close();
    // Every worker's lines are in by now: the outputs have seen the whole run.
    await run.outputs.end();
  }
  if (parts.length === 0) throw new Error(`every worker failed: ${pool.failures.join('; ')}`);
  const steps = addParts(
    parts,
    run.steps.map((s, k) => ({ k, value: s.value, scenario: s.scenario })),
  ).map((s) => ({ ...s, variants: withServerMetrics(s.variants, trackers.get(s.k), stepLabel(scenario, s.k)) }));
  const logs = cfg.hdrLogS === undefined ? undefined : await mergeWorkerLogs(cfg.outDir, parts, steps, scenario);
  const result = assembleResult({
    raw: cfg.loaded.raw,
    scenario,
    overrides: cfg.overrides,
    shard: cfg.shard,
    steps,
    stepCount: run.steps.length,
    done: parts.every((p) => p.done) && parts.length === n,
    failed: [...new Set(parts.flatMap((p) => p.failed))],
    stopped: run.stopping(),
    targetUrl: parts[0].targetUrl,
    startedAt: run.startedAt,
    workload: run.workload(),
    client: workerClient(parts.map((p) => p.client)),
    notes: [...pool.failures, ...(logs?.warnings ?? []), ...[...trackers.values()].flatMap((t) => t.warnings())],
    ...(logs?.failure !== undefined ? { hdrLogFailure: logs.failure } : {}),
  });
  const histograms = new Map(
    steps.flatMap(({ k, variants }) =>
      variants.map((v) => {
        const set = new MetricSet();
        set.addEncoded(Object.fromEntries(Object.entries(v.metrics).map(([name, m]) => [name, m.hdr])));
        return [stepLabel(scenario, k) + v.name, set] as const;
      }),
    ),
  );
  return run.finish(result, histograms);
}
