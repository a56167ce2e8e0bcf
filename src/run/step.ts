// The o200k tables load with this module, before anything is measured, and are the very ones the prompt
// synthesis uses (one copy in memory).

import type { Nanos } from '../core/types.js';
import { WorkSource } from '../load/work.js';
import type { ClientMonitor } from '../metrics/client-monitor.js';
import { DefinitionSet } from '../metrics/definition-set.js';
import type { IntervalLogs } from '../metrics/interval-log.js';
import { VariantRecorder } from '../metrics/variant-recorder.js';
import { choiceFrames } from '../protocols/registry.js';
import type { RequestLine } from '../result/requests/line.js';
import type { Scenario } from '../scenario/schema.js';
import type { Shard } from '../scenario/shard.js';
import type { SweepStep } from '../scenario/sweep.js';
import { countSoon } from '../shared/token-thread.js';
import type { DatasetIndex } from '../workload/dataset/index.js';
import { Workload } from '../workload/workload.js';
import type { StepEndpoint } from './endpoints.js';
import { runInterleaved } from './interleave.js';
import type { VariantProgress } from './run-config.js';
import { requestBase, trustedCa } from './run-inputs.js';
import { stepLabel, type StepRuns } from './run-result.js';
import { serverMetricsTracker } from './server-metrics.js';
import { progressLine } from './variant-result.js';
import { VariantRun } from './variant-run.js';

/** What every step of one process's (or worker's) part of a run shares. */
export interface StepContext {
  /** The scenario as run (after overrides and this part's shard). */
  scenario: Scenario;
  scenarioFile: string;
  stepCount: number;
  salt: number;
  dataset: DatasetIndex | undefined;
  shard: Shard | undefined;
  /** Where requests.jsonl times count from. */
  runStart: Nanos;
  writeLine: (line: RequestLine) => void;
  stopping: () => boolean;
  hardStop: AbortSignal | undefined;
  monitor: ClientMonitor;
  log: (line: string) => void;
  /** `--hdr-log`: each variant of each step gets its log, closed when the step ends. */
  hdrLogs?: IntervalLogs;
  /** The step's runs, before they start (progress displays). */
  onRuns?: (step: StepRuns) => void;
  /** The variant whose block is about to run (progress displays). */
  onBlock: (run: VariantRun, label: string) => void;
  /** A block of that variant has finished (the run's outputs; workers' lines reach them later, in batches). */
  afterBlock?: (label: string) => void;
  /**
   * Waited for before the block of the variant labelled so: workers start their blocks together, so
   * variants stay interleaved across them.
   */
  beforeBlock?: (label: string) => Promise<void>;
  /** Scrape the endpoint's metrics around each block (`server_metrics`): the thread that paces the blocks does. */
  scrapes?: boolean;
  /** The current block's start, shared by the workers (arrival schedules count from it). */
  blockOrigin?: () => number | undefined;
}

/**
 * A part's first arrival in a constant open loop: the n parts run rate/n each, and part i starts i/rate
 * later than part 0, so that together they keep the scenario's even spacing.
 */
function phaseOf(s: Scenario, shard: Shard | undefined): number {
  if (shard === undefined || s.load.kind !== 'open' || s.load.arrival !== 'constant') return 0;
  return ((shard.index - 1) * 1e9) / (s.load.rate * shard.count);
}

/**
 * Runs one step of a run (the whole run without a sweep) against its endpoint: a VariantRun per variant,
 * interleaved, closed at the end. The runs are returned even when stopped short, for the result.
 */
export async function runStep(
  ctx: StepContext,
  k: number,
  step: { scenario: Scenario; value: SweepStep['value'] },
  endpoint: StepEndpoint,
): Promise<StepRuns> {
  const s = step.scenario;
  const { scenario } = ctx;
  const workload = new Workload(s, ctx.salt, ctx.dataset, ctx.shard);
  const target = new URL(endpoint.url);
  const slots = ctx.stepCount * s.variants.length;
  const runs = s.variants.map(
    (variant, v) =>
      new VariantRun(
        s,
        variant,
        {
          target,
          dial: endpoint.dial,
          tls: { ...variant.tls, ca: trustedCa(ctx.scenarioFile, variant.tls.ca, endpoint.ca) },
        },
        // Each variant of each step has a slot of its own, so none reads another's prompt cache.
        new WorkSource(workload.feed(k * s.variants.length + v, slots), requestBase(s, variant)),
        new VariantRecorder(
          variant.name,
          ctx.runStart,
          countSoon,
          ctx.writeLine,
          scenario.sweep ? k : undefined,
          s.slo,
          s.definitions && new DefinitionSet(s.definitions, choiceFrames(variant.protocol)),
        ),
        ctx.stopping,
        ctx.hardStop,
        { phaseNs: phaseOf(s, ctx.shard), origin: ctx.blockOrigin },
      ),
  );
  const label = (run: VariantRun): string => stepLabel(scenario, k) + run.variant.name;
  const server = ctx.scrapes ? serverMetricsTracker(s, endpoint) : undefined;
  const stepRuns: StepRuns = { k, value: step.value, scenario: s, runs, ...(server !== undefined ? { server } : {}) };
  ctx.onRuns?.(stepRuns);
  for (const r of runs) ctx.hdrLogs?.start(label(r), r.rec.metrics);
  try {
    await runInterleaved(s, runs, {
      stopping: ctx.stopping,
      monitor: ctx.monitor,
      beforeBlock: async (run) => {
        await ctx.beforeBlock?.(label(run));
        await server?.mark(label(run));
      },
      onBlock: (run) => ctx.onBlock(run, label(run)),
      afterBlock: (run) => ctx.afterBlock?.(label(run)),
      onVariantDone: (run) => ctx.log(progressLine(label(run), run.rec)),
    });
    await server?.mark(undefined);
  } finally {
    ctx.hdrLogs?.closeFiles();
    await Promise.all(runs.map((r) => r.close()));
  }
  return stepRuns;
}

/**
 * Measured requests and failures so far, over every step's variants, and per variant of the current step
 * (progress displays).
 */
export function stepProgress(steps: readonly StepRuns[]): {
  done: number;
  errors: number;
  variants: VariantProgress[];
} {
  const runs = steps.flatMap((s) => s.runs);
  return {
    done: runs.reduce((n, r) => n + r.rec.requests, 0),
    errors: runs.reduce((n, r) => n + r.rec.requests - r.rec.ok, 0),
    variants: (steps.at(-1)?.runs ?? []).map((r) => ({ name: r.variant.name, done: r.rec.requests })),
  };
}

/**
 * Closes the interval logs and waits for their writes: the failure message, if any. A failure of theirs
 * is a warning in the result, never a lost result.
 */
export function closeLogs(logs: IntervalLogs | undefined): Promise<string | undefined> {
  return (
    logs?.close().then(
      () => undefined,
      (err: Error) => err.message,
    ) ?? Promise.resolve(undefined)
  );
}
