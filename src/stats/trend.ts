import path from 'node:path';

import { isMetricName, METRIC_INFO, type MetricName } from '../core/catalog.js';
import { readResult, resultFiles } from '../result/read.js';
import { type MetricSummary, type Result, scenarioName } from '../result/result.js';
import {
  compareMetric,
  histogramsOnly,
  type MetricComparison,
  type SampleSource,
  significant,
  unitsOf,
} from './compare.js';
import { type ResultSource, variantsOf } from './compare-results.js';
import { readRequestSamples, SAMPLE_BUDGET, SAMPLE_CAP, SampleMemory } from './request-samples.js';

/**
 * The history of a scenario's runs, as a CI pipeline keeps one between builds: per variant and metric,
 * each run's p50 and p99 and whether it changed from the run before — judged by `compare`'s own
 * comparison (its bootstrap intervals, rank test and rule), never a statistic of its own.
 */

/**
 * What a trend follows unless told: the metrics the summaries compare between variants (the catalog's
 * `compared` and `change` sections), in the summaries' order.
 */
export const TREND_METRICS: readonly MetricName[] = (Object.keys(METRIC_INFO) as MetricName[]).filter((m) =>
  METRIC_INFO[m].shows.some((s) => s === 'compared' || s === 'change'),
);

/** The statistics a trend shows, and judges. */
export const TREND_STATS = ['p50', 'p99'] as const;
export type TrendStat = (typeof TREND_STATS)[number];

export interface TrendOptions {
  /** Only these metrics (any of the catalog's); default TREND_METRICS. */
  metrics?: readonly string[];
  /** Follow results of different scenarios. */
  force?: boolean;
  /** Seed of the bootstrap (default 1, as compare's). */
  seed?: number;
  /** False: resample the histograms even where requests.jsonl has exact values (default true). */
  requests?: boolean;
}

/** A run of the trend: where its result is, when it started, and from which commit when it recorded one. */
export interface TrendRun {
  /** Its result.json; absent for a result given as an object. */
  path?: string;
  started_at: string;
  git_commit?: string;
}

/** A change from an earlier run: compare's comparison of the two, and which of TREND_STATS it finds significant. */
export interface TrendChange {
  /** The index (in `runs`) of the run compared with: the last one before that measured the variant and metric. */
  from: number;
  comparison: MetricComparison;
  significant: TrendStat[];
}

/** One run's figures of a variant and metric: p50 and p99 as its result.json has them. */
export interface TrendPoint {
  count: number;
  p50: number;
  p99: number;
  /** Absent for the first run that measured it. */
  change?: TrendChange;
}

export interface TrendSeries {
  variant: string;
  metric: MetricName;
  /** One per run, in run order; null where the run has no such variant or no samples of the metric (a gap). */
  points: (TrendPoint | null)[];
}

export interface TrendOutcome {
  /** The scenario's name (the first run's, with `force`). */
  scenario: string;
  /** Ordered by start time, then by path. */
  runs: TrendRun[];
  /** Per variant (as they first appear) and metric (in the summaries' order), those with data in some run. */
  series: TrendSeries[];
  /** What was tolerated in reading requests.jsonl (e.g. a cut-short last line). */
  warnings: string[];
}

/** Input a trend cannot be made of (a usage error, exit 2 in the CLI): an unknown metric, mixed scenarios, … */
export class TrendError extends Error {
  override readonly name = 'TrendError';
}

interface Loaded {
  result: Result;
  file?: string;
}

function load(sources: readonly ResultSource[]): Loaded[] {
  const seen = new Set<string>();
  const out: Loaded[] = [];
  for (const s of sources) {
    if (typeof s !== 'string') {
      out.push({ result: s });
      continue;
    }
    for (const file of resultFiles(s)) {
      // A folder of results and one of them named again is one run, not two.
      if (seen.has(path.resolve(file))) continue;
      seen.add(path.resolve(file));
      out.push({ result: readResult(file), file });
    }
  }
  if (out.length === 0) throw new TrendError('no results given');
  return out;
}

const nameOf = (l: Loaded): string => l.file ?? `the result of ${scenarioName(l.result)}`;

/** Start time first; a tie (or an unreadable time) goes by path, so the order does not depend on the arguments'. */
function byStart(a: Loaded, b: Loaded): number {
  const ta = Date.parse(a.result.env.started_at);
  const tb = Date.parse(b.result.env.started_at);
  if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  return (a.file ?? '').localeCompare(b.file ?? '');
}

function metricsOf(names: readonly string[] | undefined): readonly MetricName[] {
  if (names === undefined || names.length === 0) return TREND_METRICS;
  for (const n of names)
    if (!isMetricName(n))
      throw new TrendError(`--metric ${n}: unknown metric (one of ${Object.keys(METRIC_INFO).join(', ')})`);
  return (Object.keys(METRIC_INFO) as MetricName[]).filter((m) => names.includes(m));
}

/**
 * A run's exact per-request samples by variant key, from the requests.jsonl beside its result file. Each
 * run gets half of compare's memory: a comparison holds two runs' samples, as compare holds two results'
 * (only a variant missing from the runs in between keeps an older run's samples alive).
 */
async function samplesOf(l: Loaded, keys: string[], opts: TrendOptions, warnings: string[]) {
  if (opts.requests === false) return () => histogramsOnly('--no-requests');
  if (l.file === undefined) return () => histogramsOnly('a result object, not a file');
  const file = path.join(path.dirname(l.file), 'requests.jsonl');
  const read = await readRequestSamples(file, keys, new SampleMemory(SAMPLE_CAP, SAMPLE_BUDGET / 2)).catch(
    (err: unknown) => {
      throw new TrendError((err as Error).message, { cause: err });
    },
  );
  if (read === undefined) return () => histogramsOnly('no requests.jsonl');
  warnings.push(...read.warnings);
  return (key: string): SampleSource => read.variants.get(key)!;
}

/** The last point of a series so far: what the next run's figures are compared with. */
interface Last {
  run: number;
  summary: MetricSummary;
  samples: SampleSource;
  units: number | undefined;
}

/**
 * The trend of `sources` (result.json files, result folders, folders of result folders, or result
 * objects). Throws a TrendError, or the ResultFileError of an unreadable file, on input it cannot follow.
 */
export async function trendOf(sources: readonly ResultSource[], opts: TrendOptions = {}): Promise<TrendOutcome> {
  const metrics = metricsOf(opts.metrics);
  const loaded = load(sources).sort(byStart);
  const first = loaded[0];
  const other = loaded.find((l) => scenarioName(l.result) !== scenarioName(first.result));
  if (other !== undefined && opts.force !== true)
    throw new TrendError(
      `${nameOf(first)} ran scenario "${scenarioName(first.result)}" and ${nameOf(other)} "${scenarioName(other.result)}": their numbers measure different things (add --force to follow them anyway)`,
    );
  const variants = loaded.map((l) => variantsOf(l.result));
  const names = [...new Set(variants.flatMap((v) => [...v.keys()]))];
  const summary = (run: number, variant: string, metric: MetricName): MetricSummary | undefined => {
    const s = variants[run].get(variant)?.metrics[metric];
    return s !== undefined && s.count > 0 ? s : undefined;
  };
  const series: TrendSeries[] = names.flatMap((variant) =>
    metrics
      .filter((metric) => loaded.some((_, run) => summary(run, variant, metric) !== undefined))
      .map((metric) => ({ variant, metric, points: [] })),
  );
  const warnings: string[] = [];
  const last = new Map<TrendSeries, Last>();
  for (const [run, l] of loaded.entries()) {
    // One run has nothing to be compared with: its requests.jsonl is not read.
    const samples =
      loaded.length < 2
        ? () => histogramsOnly('one run')
        : await samplesOf(l, [...variants[run].keys()], opts, warnings);
    for (const s of series) {
      const sum = summary(run, s.variant, s.metric);
      if (sum === undefined) {
        s.points.push(null);
        continue;
      }
      const point: TrendPoint = { count: sum.count, p50: sum.p50, p99: sum.p99 };
      const before = last.get(s);
      const mine = samples(s.variant);
      const units = unitsOf(variants[run].get(s.variant)!, s.metric);
      if (before !== undefined) {
        const comparison = compareMetric(
          s.variant,
          before.summary,
          s.variant,
          sum,
          s.metric,
          opts.seed ?? 1,
          { baseline: before.samples, candidate: mine },
          { baseline: before.units, candidate: units },
        );
        point.change = {
          from: before.run,
          comparison,
          significant: TREND_STATS.filter((st) => significant(comparison, st)),
        };
      }
      s.points.push(point);
      // The samples of a run are held only while some series still compares with it.
      last.set(s, { run, summary: sum, samples: mine, units });
    }
  }
  const runs = loaded.map(({ result, file }): TrendRun => ({
    ...(file === undefined ? {} : { path: file }),
    started_at: result.env.started_at,
    ...(result.env.git_commit === undefined ? {} : { git_commit: result.env.git_commit }),
  }));
  return { scenario: scenarioName(first.result), runs, series, warnings };
}
