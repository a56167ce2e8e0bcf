import { bootstrapChange, Empirical, type Interval } from '../metrics/bootstrap.js';
import { METRIC_INFO, METRICS, type MetricName } from '../metrics/catalog.js';
import { decodeHistogram } from '../metrics/histogram.js';
import { mannWhitney } from '../metrics/mann-whitney.js';
import type { MetricSummary } from '../metrics/summary.js';
import { rng } from '../shared/rng.js';
import type { VariantResult } from './result.js';

export type CompareStat = 'p50' | 'p90' | 'p99' | 'mean';
export const COMPARE_STATS: readonly CompareStat[] = ['p50', 'p90', 'p99', 'mean'];
/** The statistics that get a bootstrap interval (the median and the tail a CI gate is usually about). */
const INTERVAL_STATS: ReadonlyMap<CompareStat, number> = new Map([
  ['p50', 0.5],
  ['p99', 0.99],
]);

export type CompareVerdict = 'faster' | 'slower' | 'no significant change';

export interface MetricComparison {
  baseline_variant: string;
  candidate_variant: string;
  metric: MetricName;
  samples: { baseline: number; candidate: number };
  /** Per statistic: both values and the relative change (candidate / baseline − 1). */
  stats: Record<CompareStat, { baseline: number; candidate: number; change: number }>;
  /** Bootstrap 95% intervals of the relative change of p50 and p99. */
  ci95: Partial<Record<CompareStat, [number, number]>>;
  /** Mann–Whitney U two-sided p-value: do the two samples come from one distribution? */
  p_value: number;
  verdict: CompareVerdict;
}

const ALPHA = 0.05;
const HIGHER_IS_BETTER: ReadonlySet<MetricName> = new Set<MetricName>(['decode_tps']);
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/**
 * A metric of two variants: what changed, how sure that is, and the verdict — `faster`/`slower` only when
 * the median's interval excludes no change and the rank test agrees (p < 0.05), so noise does not fail
 * a pipeline and a real shift does.
 */
export function compareMetric(
  baselineVariant: string,
  b: MetricSummary,
  candidateVariant: string,
  c: MetricSummary,
  metric: MetricName,
  seed = 1,
): MetricComparison {
  const eb = Empirical.fromHistogram(decodeHistogram(b.hdr));
  const ec = Empirical.fromHistogram(decodeHistogram(c.hdr));
  const stats = {} as MetricComparison['stats'];
  for (const s of COMPARE_STATS) stats[s] = { baseline: b[s], candidate: c[s], change: b[s] === 0 ? 0 : round4(c[s] / b[s] - 1) };
  const ci95: MetricComparison['ci95'] = {};
  const rand = rng(seed);
  let median: Interval | undefined;
  for (const [s, q] of INTERVAL_STATS) {
    if (eb.quantile(q) <= 0) continue;
    const iv = bootstrapChange(eb, ec, q, rand);
    if (s === 'p50') median = iv;
    ci95[s] = [round4(iv.lo), round4(iv.hi)];
  }
  const { p } = mannWhitney(eb, ec);
  let verdict: CompareVerdict = 'no significant change';
  if (median !== undefined && p < ALPHA && (median.lo > 0 || median.hi < 0)) {
    const up = median.lo > 0;
    verdict = up === HIGHER_IS_BETTER.has(metric) ? 'faster' : 'slower';
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
  };
}

/** Every metric both variants measured, in catalog order. */
export function compareVariantPair(base: VariantResult, cand: VariantResult, seed = 1): MetricComparison[] {
  const out: MetricComparison[] = [];
  for (const metric of METRICS) {
    const b = base.metrics[metric];
    const c = cand.metrics[metric];
    if (b === undefined || c === undefined || b.count === 0 || c.count === 0) continue;
    out.push(compareMetric(base.name, b, cand.name, c, metric, seed));
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
  if (m === null) throw new Error(`--fail-on "${text}": expected METRIC.STAT>+N% or METRIC.STAT>N (STAT: ${COMPARE_STATS.join(', ')})`);
  const metric = m[1];
  if (!Object.hasOwn(METRIC_INFO, metric)) throw new Error(`--fail-on "${text}": unknown metric ${metric} (known: ${METRICS.join(', ')})`);
  return { text, metric: metric as MetricName, stat: m[2] as CompareStat, op: m[3] as '>' | '<', value: Number(m[4]) / (m[5] ? 100 : 1), relative: m[5] === '%' };
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
