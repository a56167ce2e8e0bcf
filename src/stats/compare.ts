import { METRIC_INFO, type MetricName, METRICS } from '../core/catalog.js';
import { decodeHistogram } from '../metrics/histogram.js';
import type { MetricSummary } from '../result/result.js';
import type { VariantResult } from '../result/result.js';
import { rng } from '../shared/rng.js';
import { bootstrapChange, Empirical, type Interval } from './bootstrap.js';
import { mannWhitney } from './mann-whitney.js';

export type CompareStat = 'p50' | 'p90' | 'p99' | 'mean';
export const COMPARE_STATS: readonly CompareStat[] = ['p50', 'p90', 'p99', 'mean'];
/** The statistics that get a bootstrap interval (the median and the tail a CI gate is usually about). */
const INTERVAL_STATS: ReadonlyMap<CompareStat, number> = new Map([
  ['p50', 0.5],
  ['p99', 0.99],
]);

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

/** A source without samples: every metric is compared from the histograms, for `why`. */
export const histogramsOnly = (why: string): SampleSource => ({ exact: () => why });

const NO_SAMPLES: PairSamples = {
  baseline: histogramsOnly('no per-request samples'),
  candidate: histogramsOnly('no per-request samples'),
};

/** Compare's name of a variant: a sweep's are prefixed with their step, from 1 (`step2.ws-persistent`). */

export interface MetricComparison {
  baseline_variant: string;
  candidate_variant: string;
  metric: MetricName;
  samples: { baseline: number; candidate: number };
  /**
   * Per statistic: both values and the relative change (candidate / baseline − 1), from what `source`
   * names: with `requests`, the exact samples' (quantiles as HdrHistogram ranks them, the value itself
   * rather than its bucket's top; the mean of the values), else the result's own summaries. p50's and
   * p99's change is its interval's point estimate, so it lies within `ci95`.
   */
  stats: Record<CompareStat, { baseline: number; candidate: number; change: number }>;
  /** Bootstrap 95% intervals of the relative change of p50 and p99. */
  ci95: Partial<Record<CompareStat, [number, number]>>;
  /** Mann–Whitney U two-sided p-value: do the two samples come from one distribution? */
  p_value: number;
  verdict: CompareVerdict;
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

/** The quantile of each statistic that has one (mean has none). */
const QUANTILES: Readonly<Record<CompareStat, number | undefined>> = { p50: 0.5, p90: 0.9, p99: 0.99, mean: undefined };

/** A side's statistics from its exact samples: quantiles by Empirical.quantile, the estimate the bootstrap centres on. */
function exactStats(samples: Float64Array, e: Empirical): Record<CompareStat, number> {
  let sum = 0;
  for (const v of samples) sum += v;
  const out = {} as Record<CompareStat, number>;
  for (const s of COMPARE_STATS) out[s] = QUANTILES[s] === undefined ? sum / samples.length : e.quantile(QUANTILES[s]);
  return out;
}

/**
 * A metric of two variants: what changed, how sure that is, and the verdict — `faster`/`slower` only when
 * the median's interval excludes no change and the rank test agrees (p < 0.05), so noise does not fail
 * a pipeline and a real shift does. Statistics, intervals and rank test all read one source: both sides'
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
): MetricComparison {
  const sb = samples.baseline.exact(metric, b.count);
  const sc = samples.candidate.exact(metric, c.count);
  const exact = typeof sb !== 'string' && typeof sc !== 'string';
  const eb = exact ? Empirical.fromSamples(sb) : Empirical.fromHistogram(decodeHistogram(b.hdr));
  const ec = exact ? Empirical.fromSamples(sc) : Empirical.fromHistogram(decodeHistogram(c.hdr));
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
  let median: Interval | undefined;
  for (const [s, q] of INTERVAL_STATS) {
    if (eb.quantile(q) <= 0) continue;
    const iv = bootstrapChange(eb, ec, q, rand);
    if (s === 'p50') median = iv;
    ci95[s] = [round4(iv.lo), round4(iv.hi)];
    estimates.set(s, iv.estimate);
  }
  const stats = {} as MetricComparison['stats'];
  for (const s of COMPARE_STATS) {
    const change = estimates.get(s) ?? (vb[s] === 0 ? 0 : vc[s] / vb[s] - 1);
    stats[s] = { baseline: round3(vb[s]), candidate: round3(vc[s]), change: round4(change) };
  }
  const { p } = mannWhitney(eb, ec);
  let verdict: CompareVerdict = 'no significant change';
  if (median !== undefined && p < ALPHA && (median.lo > 0 || median.hi < 0)) {
    const up = median.lo > 0;
    const { direction } = METRIC_INFO[metric];
    if (direction === 'count') verdict = up ? 'longer' : 'shorter';
    else verdict = up === (direction === 'higher') ? 'faster' : 'slower';
  }
  return {
    baseline_variant: baselineVariant,
    candidate_variant: candidateVariant,
    metric,
    samples: { baseline: b.count, candidate: c.count },
    stats,
    ci95,
    p_value: Math.round(p * 1e6) / 1e6,
    verdict,
    ...(exact ? { source: 'requests' } : { source: 'histogram', source_note: fallbackNote(sb, sc) }),
  };
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
    out.push(compareMetric(base.name, b, cand.name, c, metric, seed, samples));
  }
  return out;
}

/** `--fail-on`: `ttft_ms.p99>+10%` (relative, must also be significant) or `ttft_ms.p99>500` (absolute). */
export interface FailOn {
  text: string;
  metric: MetricName;
  stat: CompareStat;
  op: '>' | '<';
  value: number;
  relative: boolean;
}

export function parseFailOn(text: string): FailOn {
  const m = /^\s*([a-z0-9_]+)\.(p50|p90|p99|mean)\s*([<>])\s*([+-]?\d+(?:\.\d+)?)(%?)\s*$/.exec(text);
  if (m === null)
    throw new Error(
      `--fail-on "${text}": expected METRIC.STAT>+N% or METRIC.STAT>N (STAT: ${COMPARE_STATS.join(', ')})`,
    );
  const metric = m[1];
  if (!Object.hasOwn(METRIC_INFO, metric))
    throw new Error(`--fail-on "${text}": unknown metric ${metric} (known: ${METRICS.join(', ')})`);
  return {
    text,
    metric: metric as MetricName,
    stat: m[2] as CompareStat,
    op: m[3] as '>' | '<',
    value: Number(m[4]) / (m[5] ? 100 : 1),
    relative: m[5] === '%',
  };
}

/**
 * Whether a comparison breaks a `--fail-on` rule: a relative rule needs the change beyond it *and* a
 * significant difference (the interval of the statistic, where there is one, excludes no change, and
 * the rank test's p < 0.05); an absolute one is a plain limit on the candidate.
 */
export function breaks(rule: FailOn, c: MetricComparison): boolean {
  if (c.metric !== rule.metric) return false;
  const s = c.stats[rule.stat];
  if (!rule.relative) return rule.op === '>' ? s.candidate > rule.value : s.candidate < rule.value;
  const beyond = rule.op === '>' ? s.change > rule.value : s.change < rule.value;
  const iv = c.ci95[rule.stat];
  const significant = c.p_value < ALPHA && (iv === undefined || iv[0] > 0 || iv[1] < 0);
  return beyond && significant;
}
