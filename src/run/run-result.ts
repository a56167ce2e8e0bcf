import { clientWarnings } from '../metrics/client-monitor.js';
import { type ClientStats, collectEnv, type Result, variantKey, type VariantResult } from '../result/result.js';
import { checkThresholds, type ThresholdResult } from '../result/thresholds.js';
import { displayTarget, redactScenario } from '../scenario/redact.js';
import type { Scenario } from '../scenario/schema.js';
import type { Shard } from '../scenario/shard.js';
import type { SweepStep } from '../scenario/sweep.js';
import type { ServerMetricsTracker } from '../scrape/tracker.js';
import { compareVariants } from '../stats/changes.js';
import { checkClaims } from '../stats/claims.js';
import type { WorkloadInfo } from '../workload/types.js';
import { variantResult, variantWarnings, wallClock } from './variant-result.js';
import type { VariantRun } from './variant-run.js';

/** The variant runs of one step of a sweep (the only step without one). */
export interface StepRuns {
  k: number;
  value: SweepStep['value'];
  scenario: Scenario;
  runs: VariantRun[];
  /** `server_metrics`: what the endpoint's own histograms said during each variant's blocks. */
  server?: ServerMetricsTracker;
}

/** A step's figures: what one process measured, or the exact sum of its workers' parts. */
export interface StepFigures {
  k: number;
  value: SweepStep['value'];
  scenario: Scenario;
  variants: VariantResult[];
}

/** What a finished run hands over to become its result. */
export interface RunOutcome {
  /** The scenario file as written, before overrides (redacted here). */
  raw: unknown;
  /** The scenario after overrides. */
  scenario: Scenario;
  overrides?: Record<string, unknown>;
  shard?: Shard;
  /** The steps that ran, and how many there were to run. */
  steps: readonly StepFigures[];
  stepCount: number;
  /** Every variant of every step that ran got through its load. */
  done: boolean;
  /** Variants stopped short by a failure (`<label>: stopped: <why>`). */
  failed: readonly string[];
  stopped: boolean;
  /** The URL the last step's requests went to. */
  targetUrl: string;
  startedAt: Date;
  workload: WorkloadInfo;
  client: ClientStats;
  hdrLogFailure?: string;
  /** Said by the run itself (e.g. a worker that died). */
  notes?: readonly string[];
}

/** A step's prefix in file names and warnings; none without a sweep. */
export function stepLabel(scenario: Scenario, k: number): string {
  return scenario.sweep === undefined ? '' : variantKey('', k);
}

/**
 * Whether every prompt of a step differs from its first token, so that input the endpoint says it served
 * from its cache is its own doing (sessions build on cached context legitimately; datasets share what
 * they share).
 */
function uniquePrompts(s: Scenario): boolean {
  return s.dataset === undefined && s.request.shared_prefix_tokens === 0 && s.load.kind !== 'session';
}

const RELAY_WARNING = (rttMs: number): string =>
  `network emulated by a relay (rtt ${rttMs} ms): TCP handshakes are not delayed, so connect_ms ` +
  'keeps its loopback value and a fresh connection costs one RTT less than on a real path (TLS and every ' +
  'exchange after it are delayed); scripts/netns-netem.sh emulates the handshake too';

/** The figures of the steps one process ran, and which of its variants stopped short and why. */
export function stepFigures(
  scenario: Scenario,
  steps: readonly StepRuns[],
): Pick<RunOutcome, 'steps' | 'done' | 'failed'> {
  const wall = wallClock();
  return {
    steps: steps.map(({ k, value, scenario: s, runs, server }) => ({
      k,
      value,
      scenario: s,
      variants: withServerMetrics(
        runs.map((r) => variantResult(r.variant, r.rec, s.load.kind === 'open' ? s.load.rate : undefined, wall)),
        server,
        stepLabel(scenario, k),
      ),
    })),
    done: steps.every((s) => s.runs.every((r) => r.done)),
    failed: steps.flatMap(({ k, runs }) =>
      runs
        .filter((r) => r.failure !== undefined)
        .map((r) => `${stepLabel(scenario, k)}${r.variant.name}: stopped: ${r.failure}`),
    ),
  };
}

/** Each variant's `server_metrics`, from the step's scraper (labelled as its blocks were). */
export function withServerMetrics(
  variants: VariantResult[],
  server: ServerMetricsTracker | undefined,
  prefix: string,
): VariantResult[] {
  if (server === undefined) return variants;
  return variants.map((v) => {
    const sm = server.result(prefix + v.name, v.metrics);
    return sm === undefined ? v : { ...v, server_metrics: sm };
  });
}

/** The run's result.json: every variant's figures, comparisons, thresholds, claims and warnings. */
export function assembleResult(o: RunOutcome): Result {
  const { scenario, steps, failed } = o;
  const results = steps.map((s) => s.variants);
  const complete = !o.stopped && failed.length === 0 && steps.length === o.stepCount && o.done;
  const sweep = scenario.sweep;
  const claimsOf = (variants: VariantResult[]) =>
    scenario.claims === undefined ? {} : { claims: checkClaims(scenario.claims, variants, scenario.seed) };
  const limits = scenario.thresholds;
  // With a sweep every step is checked: each result names the step it failed at.
  const thresholds: ThresholdResult[] | undefined =
    limits === undefined
      ? undefined
      : steps.flatMap(({ k }, i) =>
          checkThresholds(limits, results[i], scenario.slo !== undefined, sweep === undefined ? undefined : k),
        );
  return {
    schema: 'wirebench.result/v1',
    complete,
    ...(o.shard !== undefined ? { shard: o.shard } : {}),
    scenario: redactScenario(o.raw, scenario.redact),
    workload: o.workload,
    ...(o.overrides !== undefined && Object.keys(o.overrides).length > 0 ? { overrides: o.overrides } : {}),
    load: scenario.load,
    target: scenario.target === 'embedded' ? `embedded (${o.targetUrl})` : displayTarget(o.targetUrl),
    env: collectEnv(o.startedAt, new Date()),
    // With a sweep every variant lives in its steps: no step is "the" result.
    variants: sweep === undefined ? (results[0] ?? []) : [],
    comparisons: sweep === undefined ? compareVariants(results[0] ?? []) : [],
    ...(sweep === undefined ? claimsOf(results[0] ?? []) : {}),
    ...(thresholds !== undefined ? { thresholds } : {}),
    ...(sweep === undefined
      ? {}
      : {
          sweep: { param: sweep.param, values: sweep.values },
          steps: steps.map(({ value }, i) => ({
            param: sweep.param,
            value,
            variants: results[i],
            comparisons: compareVariants(results[i]),
            ...claimsOf(results[i]),
          })),
        }),
    client: o.client,
    warnings: [
      ...(o.notes ?? []),
      ...clientWarnings(o.client),
      ...(o.hdrLogFailure === undefined ? [] : [o.hdrLogFailure]),
      ...(scenario.network !== undefined ? [RELAY_WARNING(scenario.network.rtt_ms)] : []),
      ...failed,
      ...steps.flatMap(({ k, scenario: s }, i) =>
        variantWarnings(results[i], uniquePrompts(s)).map((w) => stepLabel(scenario, k) + w),
      ),
    ],
  };
}
