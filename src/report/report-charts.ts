import { axisLabel, METRIC_INFO, type MetricName, metricsIn } from '../core/catalog.js';
import { type Result, type StepResult, variantKey, type VariantResult } from '../result/result.js';
import { cdfCurve, percentileCurve, zeroShare } from './distribution.js';
import { unresolved } from './report-tables.js';
import { lineChart, type Series, type XScale } from './svg/line-chart.js';
import { seriesColor } from './svg/palette.js';

/** One set of variants drawn together: the run, or one sweep step (`prefix` names its series files). */
export interface ChartGroup {
  title: string;
  prefix: string;
  variants: readonly VariantResult[];
}

export function chartGroups(result: Result): ChartGroup[] {
  if (result.steps === undefined) return [{ title: '', prefix: '', variants: result.variants }];
  return result.steps.map((st: StepResult, k) => ({
    title: ` at ${st.param} = ${String(st.value)}`,
    prefix: variantKey('', k),
    variants: st.variants,
  }));
}

/** A variant keeps its colour on every chart of the page, whatever else a chart leaves out. */
export function colourOf(result: Result): (name: string) => string {
  const names = [...new Set(chartGroups(result).flatMap((g) => g.variants.map((v) => v.name)))];
  return (name) => seriesColor(names.indexOf(name));
}

/** Lengths are what was sent, not how fast: the Workload section draws them as histograms over lengths. */
const LATENCY_METRICS = (Object.keys(METRIC_INFO) as MetricName[]).filter((m) => METRIC_INFO[m].direction !== 'count');
/** The per-request latencies whose whole distribution a reader compares across transports. */
const CDF_METRICS = metricsIn('cdf');

/**
 * Percentile-distribution plot of every latency (and rate) with data in the summaries' order, all variants
 * overlaid; CDFs of the main ones.
 */
export function distributionCharts(
  result: Result,
  colour: (name: string) => string,
): { percentiles: string[]; cdfs: string[] } {
  const percentiles: string[] = [];
  const cdfs: string[] = [];
  const groups = chartGroups(result);
  // A sweep multiplies the charts by its steps: there, the main latencies only (the sweep charts sum up the rest).
  const metrics = result.steps === undefined ? LATENCY_METRICS : CDF_METRICS;
  for (const g of groups) {
    for (const m of metrics) {
      const with_ = g.variants.filter((v) => (v.metrics[m]?.count ?? 0) > 0);
      if (with_.length === 0) continue;
      const id = `${g.prefix}${m}`;
      percentiles.push(
        lineChart({
          id: `pct-${id}`,
          title: `${axisLabel(m)} — percentile distribution${g.title}`,
          x: { label: 'percentile', scale: 'percentile' },
          y: { label: axisLabel(m) },
          series: with_.map((v) => ({ name: v.name, color: colour(v.name), points: percentileCurve(v.metrics[m]!) })),
          note: METRIC_INFO[m].description,
        }),
      );
      if (!CDF_METRICS.includes(m)) continue;
      const series = with_.map((v) => ({ name: v.name, color: colour(v.name), points: cdfCurve(v.metrics[m]!) }));
      const log = spansDecades(series);
      cdfs.push(
        lineChart({
          id: `cdf-${id}`,
          title: `${axisLabel(m)} — cumulative distribution${g.title}`,
          x: { label: axisLabel(m), scale: log ? 'log' : 'linear', clampZero: true },
          y: { label: 'fraction of samples ≤ x', zero: true },
          series,
          note: [METRIC_INFO[m].description, ...(log ? zeroNotes(m, with_) : [])].join('; '),
        }),
      );
    }
  }
  return { percentiles, cdfs };
}

/**
 * Zeros on a log axis (ITL: deltas that arrived in the same chunk) are drawn at its left end: say what
 * share each variant that has any has of them.
 */
function zeroNotes(m: MetricName, variants: readonly VariantResult[]): string[] {
  const shares = variants.flatMap((v) => {
    const share = zeroShare(v.metrics[m]!);
    return share === 0 ? [] : [`${v.name} ${(100 * share).toFixed(share < 0.01 ? 1 : 0)}%`];
  });
  if (shares.length === 0) return [];
  const what = m === 'itl_ms' ? 'gaps of 0 ms (same chunk)' : `samples of 0 ${METRIC_INFO[m].unit}`;
  return [`${what}, drawn at the axis’ left end: ${shares.join(', ')}`];
}

/** A latency axis that covers more than two decades reads better in log scale (ITL: 0.1 ms … 50 ms). */
function spansDecades(series: readonly Series[]): boolean {
  const xs = series.flatMap((s) => s.points.map(([x]) => x)).filter((x) => x > 0);
  return xs.length > 0 && Math.max(...xs) / Math.min(...xs) > 100;
}

const SWEEP_METRICS = metricsIn('sweep');

/**
 * Each metric's p50 (solid) and p99 (dashed) against the swept value, one colour per variant, a dot per
 * step. A step's p99 is drawn only where its sample resolves one (≥ 100): else it is the maximum.
 */
export function sweepCharts(result: Result, colour: (name: string) => string): string[] {
  const steps = result.steps;
  if (steps === undefined || steps.length === 0) return [];
  const values = steps.map((st) => st.value);
  const numeric = values.every((v) => typeof v === 'number');
  const nums = values as number[];
  const scale: XScale = !numeric
    ? 'category'
    : Math.min(...nums) > 0 && Math.max(...nums) / Math.min(...nums) >= 20
      ? 'log'
      : 'linear';
  const x = (k: number): number => (numeric ? nums[k] : k);
  const names = [...new Set(steps.flatMap((st) => st.variants.map((v) => v.name)))];
  const out: string[] = [];
  for (const m of SWEEP_METRICS) {
    const series: Series[] = [];
    let [skipped, pairs] = [0, 0];
    let fewest = Infinity;
    for (const name of names) {
      for (const stat of ['p50', 'p99'] as const) {
        const points = steps.flatMap((st, k): [number, number][] => {
          const s = st.variants.find((v) => v.name === name)?.metrics[m];
          if (s === undefined || s.count === 0) return [];
          if (stat === 'p99') pairs++;
          if (unresolved(s, stat) !== '') {
            skipped++;
            fewest = Math.min(fewest, s.count);
            return [];
          }
          return [[x(k), s[stat]]];
        });
        if (points.length > 0)
          series.push({ name: `${name} ${stat}`, color: colour(name), points, dash: stat === 'p99', markers: true });
      }
    }
    if (series.length === 0) continue;
    const note =
      skipped === 0
        ? undefined
        : `p99 not drawn where a step has fewer than the 100 samples it needs (${skipped} of ${pairs} steps × variants, ` +
          `as few as ${fewest}): there it would be the sample maximum`;
    out.push(
      lineChart({
        id: `sweep-${m}`,
        title: `${axisLabel(m)} — ${skipped === pairs ? 'p50' : 'p50 and p99'} vs ${steps[0].param}`,
        x: { label: steps[0].param, scale, ...(numeric ? {} : { categories: values.map(String) }) },
        y: { label: axisLabel(m) },
        series,
        note: [METRIC_INFO[m].description, ...(note === undefined ? [] : [note])].join('; '),
      }),
    );
  }
  return out;
}
