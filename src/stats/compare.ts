import { METRIC_INFO, type MetricName, METRICS } from '../core/catalog.js';
import { decodeHistogram } from '../metrics/histogram.js';
import type { MetricSummary, VariantResult } from '../result/result.js';
import { resolves, STATS } from '../result/thresholds.js';
import { rng } from '../shared/rng.js';
import { bootstrapChange, Empirical } from './bootstrap.js';
import { mannWhitney } from './mann-whitney.js';

/** Compare computes every statistic a threshold can name, from the samples or the histograms alike. */
export type CompareStat = (typeof STATS)[number];
export const COMPARE_STATS: readonly CompareStat[] = STATS;
/**
 * The statistics that get a bootstrap interval, and so a verdict and relative `--fail-on` rules: the
 * quantiles. An extreme's or a moment's percentile bootstrap would not cover its true change reliably.
 */
const QUANTILES: ReadonlyMap<CompareStat, number> = new Map([
  ['p50', 0.5],
  ['p90', 0.9],
  ['p95', 0.95],
  ['p99', 0.99],
  ['p999', 0.999],
]);
export const INTERVAL_STATS: readonly CompareStat[] = [...QUANTILES.keys()];

/** `longer`/`shorter`: a token count (input_tokens, output_tokens) changed — the workload, not the speed. */
export type CompareVerdict = 'faster' | 'slower' | 'longer' | 'shorter' | 'no significant change';

/**
 * One variant's exact per-request samples of a metric (requests.jsonl), or why there are none: the
 * `count` the result's histogram holds lets the source refuse samples that disagree with it.
 */
export interface SampleSource {
  exact(metric: MetricName, count: number): Float64Array | string;
}

/** Both sides' samples of a variant pair. */
export interface PairSamples {
  baseline: SampleSource;
  candidate: SampleSource;
}

/**
 * The independent draws of a variant's samples of `metric`: its requests for a per-token metric (see
 * MetricInfo.per), else undefined — each sample is a draw of its own.
 */
export const unitsOf = (v: Pick<VariantResult, 'counts'>, metric: MetricName): number | undefined =>
  METRIC_INFO[metric].per === 'token' ? v.counts.requests : undefined;

/** Both sides' independent draws of a metric, where its samples cluster (see unitsOf). */
export interface PairUnits {
  baseline?: number;
  candidate?: number;
}

/** The PairUnits of two variants' samples of `metric`. */
export const pairUnits = (
  base: Pick<VariantResult, 'counts'>,
  cand: Pick<VariantResult, 'counts'>,
  metric: MetricName,
): PairUnits => ({ baseline: unitsOf(base, metric), candidate: unitsOf(cand, metric) });

/** A source without samples: every metric is compared from the histograms, for `why`. */
export const histogramsOnly = (why: string): SampleSource => ({ exact: () => why });

const NO_SAMPLES: PairSamples = {
  baseline: histogramsOnly('no per-request samples'),
  candidate: histogramsOnly('no per-request samples'),
};

export interface MetricComparison {
  baseline_variant: string;
  candidate_variant: string;
  metric: MetricName;
  samples: { baseline: number; candidate: number };
  /**
   * Per statistic: both values and the relative change (candidate / baseline − 1), from what `source`
   * names: with `requests`, the exact samples' (quantiles as HdrHistogram ranks them, the value itself
   * rather than its bucket's top; the mean of the values), else the result's own summaries. A quantile's
   * change is its interval's point estimate, so it lies within `ci95`.
   */
  stats: Record<CompareStat, { baseline: number; candidate: number; change: number }>;
  /**
   * Bootstrap 95% intervals of the relative change of each of INTERVAL_STATS: none where the baseline's
   * is 0, or where a side has fewer samples than the quantile needs (SAMPLES_NEEDED: p99 100).
   */
  ci95: Partial<Record<CompareStat, [number, number]>>;
  /** Mann–Whitney U two-sided p-value: do the two samples come from one distribution? */
  p_value: number;
  /** Per statistic with an interval: what that statistic did (see `significant`). */
  verdicts: Partial<Record<CompareStat, CompareVerdict>>;
  /**
   * What `stats`, `ci95` and `p_value` were computed from: both sides' exact per-request samples, or both
   * histograms (`source_note` says why) — never one of each, whose ties would not rank alike.
   */
  source: 'requests' | 'histogram';
  source_note?: string;
}

const ALPHA = 0.05;
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;
/** Summaries keep 3 decimals of the unit (recorded thousandths): exact statistics are shown alike. */
const round3 = (x: number): number => Math.round(x * 1e3) / 1e3;

/**
 * A side's statistics from its exact samples: quantiles by Empirical.quantile, the estimate the bootstrap
 * centres on; the standard deviation of the population, as HdrHistogram's summaries give it.
 */
function exactStats(samples: Float64Array, e: Empirical): Record<CompareStat, number> {
  let sum = 0;
  for (const v of samples) sum += v;
  const mean = sum / samples.length;
  let squares = 0;
  for (const v of samples) squares += (v - mean) ** 2;
  // The quantiles are filled in below.
  const out = {
    count: samples.length,
    min: e.quantile(0),
    max: e.quantile(1),
    mean,
    stdev: Math.sqrt(squares / samples.length),
  } as Record<CompareStat, number>;
  for (const [s, q] of QUANTILES) out[s] = e.quantile(q);
  return out;
}

/**
 * Whether a statistic changed beyond noise: its 95% interval excludes no change and, for the median, the
 * rank test agrees (p < 0.05) — it tests the same shift of location. A tail has no such test, and a shift
 * of p99 alone leaves the ranks nearly as they were: its own interval decides. The one rule for both the
 * verdicts and relative `--fail-on` rules.
 */
export function significant(c: Pick<MetricComparison, 'ci95' | 'p_value'>, stat: CompareStat): boolean {
  const iv = c.ci95[stat];
  if (iv === undefined || !(iv[0] > 0 || iv[1] < 0)) return false;
  return stat !== 'p50' || c.p_value < ALPHA;
}

/**
 * A metric of two variants: what changed, how sure that is, and a verdict per quantile — `faster`/`slower`
 * only when `significant`, so noise does not fail a pipeline and a real shift, of the median or a tail,
 * does. Statistics, intervals and rank test all read one source: both sides'
 * exact per-request samples where `samples` has them (requests.jsonl), else both histograms (the result's
 * summaries, and exact order statistics of bucketed values).
 */
export function compareMetric(
  baselineVariant: string,
  b: MetricSummary,
  candidateVariant: string,
  c: MetricSummary,
  metric: MetricName,
  seed = 1,
  samples: PairSamples = NO_SAMPLES,
  units: PairUnits = {},
): MetricComparison {
  const sb = samples.baseline.exact(metric, b.count);
  const sc = samples.candidate.exact(metric, c.count);
  const exact = typeof sb !== 'string' && typeof sc !== 'string';
  const eb = exact ? Empirical.fromSamples(sb) : Empirical.fromHistogram(decodeHistogram(b.hdr), units.baseline);
  const ec = exact ? Empirical.fromSamples(sc) : Empirical.fromHistogram(decodeHistogram(c.hdr), units.candidate);
  // The values shown come from the samples the intervals resample: the exact samples' own statistics
  // rather than result.json's, so that a row's values, change and interval agree with one another (its
  // change is cand/base − 1 of the values beside it, and the interval's estimate). They differ from
  // result.json and the reports by histogram precision at most (a bucket's top, < 0.1% above the value).
  // On the histogram path the summaries are those very order statistics (HdrHistogram's percentiles).
  const vb = exact ? exactStats(sb, eb) : b;
  const vc = exact ? exactStats(sc, ec) : c;
  const ci95: MetricComparison['ci95'] = {};
  const estimates = new Map<CompareStat, number>();
  const rand = rng(seed);
  for (const [s, q] of QUANTILES) {
    // A quantile the samples cannot resolve is their maximum, whose resampled value never exceeds the
    // sample's: its percentile interval is biased and no verdict can rest on it.
    if (eb.quantile(q) <= 0 || !resolves(Math.min(b.count, c.count), s)) continue;
    const iv = bootstrapChange(eb, ec, q, rand);
    ci95[s] = [round4(iv.lo), round4(iv.hi)];
    estimates.set(s, iv.estimate);
  }
  const stats = {} as MetricComparison['stats'];
  for (const s of COMPARE_STATS) {
    const change = estimates.get(s) ?? (vb[s] === 0 ? 0 : vc[s] / vb[s] - 1);
    stats[s] = { baseline: round3(vb[s]), candidate: round3(vc[s]), change: round4(change) };
  }
  const p_value = Math.round(mannWhitney(eb, ec).p * 1e6) / 1e6;
  const verdicts: MetricComparison['verdicts'] = {};
  for (const s of QUANTILES.keys())
    if (ci95[s] !== undefined) verdicts[s] = verdictOf(metric, significant({ ci95, p_value }, s), ci95[s][0] > 0);
  return {
    baseline_variant: baselineVariant,
    candidate_variant: candidateVariant,
    metric,
    samples: { baseline: b.count, candidate: c.count },
    stats,
    ci95,
    p_value,
    verdicts,
    ...(exact ? { source: 'requests' } : { source: 'histogram', source_note: fallbackNote(sb, sc) }),
  };
}

/** What a significant change `up` (or down) means for the metric: faster or slower, longer or shorter. */
function verdictOf(metric: MetricName, changed: boolean, up: boolean): CompareVerdict {
  if (!changed) return 'no significant change';
  const { direction } = METRIC_INFO[metric];
  if (direction === 'count') return up ? 'longer' : 'shorter';
  return up === (direction === 'higher') ? 'faster' : 'slower';
}

/** Why a pair fell back to its histograms: one reason, or each side's when they differ. */
function fallbackNote(b: Float64Array | string, c: Float64Array | string): string {
  if (typeof b === 'string' && b === c) return b;
  return [typeof b === 'string' ? `baseline: ${b}` : '', typeof c === 'string' ? `candidate: ${c}` : '']
    .filter((x) => x !== '')
    .join('; ');
}

/** Every metric both variants measured, in catalog order. */
export function compareVariantPair(
  base: VariantResult,
  cand: VariantResult,
  seed = 1,
  samples = NO_SAMPLES,
): MetricComparison[] {
  const out: MetricComparison[] = [];
  for (const metric of METRICS) {
    const b = base.metrics[metric];
    const c = cand.metrics[metric];
    if (b === undefined || c === undefined || b.count === 0 || c.count === 0) continue;
    out.push(compareMetric(base.name, b, cand.name, c, metric, seed, samples, pairUnits(base, cand, metric)));
  }
  return out;
}
