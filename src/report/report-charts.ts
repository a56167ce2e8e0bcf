import { axisLabel, METRIC_INFO, type MetricName, METRICS, metricsIn } from '../core/catalog.js';
import { type Result, type StepResult, variantKey, type VariantResult } from '../result/result.js';
import { cdfCurve, percentileCurve } from './distribution.js';
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
const LATENCY_METRICS = METRICS.filter((m) => METRIC_INFO[m].direction !== 'count');
/** The per-request latencies whose whole distribution a reader compares across transports. */
const CDF_METRICS = metricsIn('cdf');

/** Percentile-distribution plot of every latency (and rate) with data, all variants overlaid; CDFs of the main ones. */
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
          title: `${m} percentile distribution${g.title}`,
          x: { label: 'percentile', scale: 'percentile' },
          y: { label: axisLabel(m) },
          series: with_.map((v) => ({ name: v.name, color: colour(v.name), points: percentileCurve(v.metrics[m]!) })),
          note: METRIC_INFO[m].description,
        }),
      );
      if (!CDF_METRICS.includes(m)) continue;
      const series = with_.map((v) => ({ name: v.name, color: colour(v.name), points: cdfCurve(v.metrics[m]!) }));
      cdfs.push(
        lineChart({
          id: `cdf-${id}`,
          title: `${m} CDF${g.title}`,
          x: { label: axisLabel(m), scale: spansDecades(series) ? 'log' : 'linear' },
          y: { label: 'fraction of samples ≤ x' },
          series,
        }),
      );
    }
  }
  return { percentiles, cdfs };
}

/** A latency axis that covers more than two decades reads better in log scale (ITL: 0.1 ms … 50 ms). */
function spansDecades(series: readonly Series[]): boolean {
  const xs = series.flatMap((s) => s.points.map(([x]) => x)).filter((x) => x > 0);
  return xs.length > 0 && Math.max(...xs) / Math.min(...xs) > 100;
}

/** The smallest sample of a metric over the steps and variants that measured it. */
function fewest(steps: readonly StepResult[], m: MetricName): number {
  const counts = steps.flatMap((st) => st.variants.map((v) => v.metrics[m]?.count ?? 0)).filter((n) => n > 0);
  return counts.length === 0 ? 0 : Math.min(...counts);
}

const SWEEP_METRICS = metricsIn('sweep');

/** Each metric's p50 (solid) and p99 (dashed) against the swept value, one colour per variant. */
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
    for (const name of names) {
      for (const stat of ['p50', 'p99'] as const) {
        const points = steps.flatMap((st, k): [number, number][] => {
          const s = st.variants.find((v) => v.name === name)?.metrics[m];
          return s === undefined || s.count === 0 ? [] : [[x(k), s[stat]]];
        });
        if (points.length > 0)
          series.push({ name: `${name} ${stat}`, color: colour(name), points, dash: stat === 'p99' });
      }
    }
    if (series.length === 0) continue;
    out.push(
      lineChart({
        id: `sweep-${m}`,
        title: `${m} vs ${steps[0].param}`,
        x: { label: steps[0].param, scale, ...(numeric ? {} : { categories: values.map(String) }) },
        y: { label: axisLabel(m) },
        series,
        ...(fewest(steps, m) < 100
          ? { note: `p99 of steps with fewer than 100 samples (here as few as ${fewest(steps, m)}) is their maximum` }
          : {}),
      }),
    );
  }
  return out;
}
