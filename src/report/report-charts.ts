import { METRIC_INFO, METRICS, type MetricName } from '../metrics/catalog.js';
import { cdfCurve, percentileCurve } from './distribution.js';
import type { IntervalSeries } from './hlog-series.js';
import type { SampleRequest, VariantSeries } from './request-series.js';
import { variantKey, type Result, type StepResult, type VariantResult } from './result.js';
import { lineChart, type Series, type XScale } from './svg/line-chart.js';
import { seriesColor } from './svg/palette.js';
import { waterfall, type WaterfallRow } from './svg/waterfall.js';

/** One set of variants drawn together: the run, or one sweep step (`prefix` names its series files). */
export interface ChartGroup {
  title: string;
  prefix: string;
  variants: readonly VariantResult[];
}

export function chartGroups(result: Result): ChartGroup[] {
  if (result.steps === undefined) return [{ title: '', prefix: '', variants: result.variants }];
  return result.steps.map((st: StepResult, k) => ({ title: ` at ${st.param} = ${String(st.value)}`, prefix: variantKey('', k), variants: st.variants }));
}

/** A variant keeps its colour on every chart of the page, whatever else a chart leaves out. */
export function colourOf(result: Result): (name: string) => string {
  const names = [...new Set(chartGroups(result).flatMap((g) => g.variants.map((v) => v.name)))];
  return (name) => seriesColor(names.indexOf(name));
}

const LABEL = (m: MetricName): string => `${m} (${METRIC_INFO[m].unit})`;
/** The per-request latencies whose whole distribution a reader compares across transports. */
const CDF_METRICS: readonly MetricName[] = ['ttft_ms', 'overhead_ms', 'itl_ms', 'e2e_ms'];

/** Percentile-distribution plot of every metric with data, all variants overlaid; CDFs of the main ones. */
export function distributionCharts(result: Result, colour: (name: string) => string): { percentiles: string[]; cdfs: string[] } {
  const percentiles: string[] = [];
  const cdfs: string[] = [];
  const groups = chartGroups(result);
  // A sweep multiplies the charts by its steps: there, the main latencies only (the sweep charts sum up the rest).
  const metrics = result.steps === undefined ? METRICS : CDF_METRICS;
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
          y: { label: LABEL(m) },
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
          x: { label: LABEL(m), scale: spansDecades(series) ? 'log' : 'linear' },
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

/** The metrics whose percentiles per interval the report draws when the run wrote interval logs. */
export const INTERVAL_METRICS = ['ttft_ms', 'itl_ms'] as const;
export type IntervalMetrics = Partial<Record<(typeof INTERVAL_METRICS)[number], IntervalSeries>>;

/** p50 (solid) and p99 (dashed) per interval of the `--hdr-log` interval logs, one colour per variant. */
function intervalCharts(g: ChartGroup, intervals: ReadonlyMap<string, IntervalMetrics>, colour: (name: string) => string): string[] {
  const out: string[] = [];
  for (const m of INTERVAL_METRICS) {
    const series: Series[] = g.variants.flatMap((v) => {
      const s = intervals.get(g.prefix + v.name)?.[m];
      if (s === undefined || s.p50.length === 0) return [];
      return [
        { name: `${v.name} p50`, color: colour(v.name), points: s.p50 },
        { name: `${v.name} p99`, color: colour(v.name), points: s.p99, dash: true },
      ];
    });
    if (series.length === 0) continue;
    out.push(
      lineChart({
        id: `interval-${m}-${g.prefix}`,
        title: `${m} p50 and p99 per interval${g.title}`,
        x: { label: 's since the interval log started', scale: 'linear' },
        y: { label: LABEL(m) },
        series,
        note: 'from the HdrHistogram interval logs (--hdr-log): every sample, counted in the interval its request finished in',
      }),
    );
  }
  return out;
}

/**
 * TTFT and per-request mean inter-token gap against the time each request started (requests.jsonl),
 * failures per second, and percentiles per interval where the run wrote interval logs.
 */
export function timeCharts(
  result: Result,
  data: { series: ReadonlyMap<string, VariantSeries>; intervals: ReadonlyMap<string, IntervalMetrics> },
  colour: (name: string) => string,
): string[] {
  const { series } = data;
  const out: string[] = [];
  for (const g of chartGroups(result)) {
    out.push(...intervalCharts(g, data.intervals, colour));
    const present = g.variants.map((v) => [v, series.get(g.prefix + v.name)] as const).filter(([, s]) => s !== undefined && s.ok + s.failed > 0);
    if (present.length === 0) continue;
    const sampled = present.some(([, s]) => s!.ttft.length < s!.ok);
    const note = sampled ? 'a uniform sample of the requests (requests.jsonl has every one)' : undefined;
    const scatter = (pick: (s: VariantSeries) => [number, number][]): Series[] =>
      present.map(([v, s]) => ({ name: v.name, color: colour(v.name), points: pick(s!), style: 'points' as const }));
    out.push(
      lineChart({
        id: `time-ttft-${g.prefix}`,
        title: `TTFT over time${g.title}`,
        x: { label: 'request start (s since the run started)', scale: 'linear' },
        y: { label: 'ttft_ms (ms)' },
        series: scatter((s) => s.ttft),
        note,
      }),
      lineChart({
        id: `time-itl-${g.prefix}`,
        title: `inter-token gap over time${g.title}`,
        x: { label: 'request start (s since the run started)', scale: 'linear' },
        y: { label: 'mean gap per request (ms)' },
        series: scatter((s) => s.gap),
        note: `each point: (last delta − first delta) / (deltas − 1) of one request; the itl_ms histogram has every gap${sampled ? '; ' + note : ''}`,
      }),
    );
    const failing = present.filter(([, s]) => s!.failed > 0);
    if (failing.length > 0) {
      out.push(
        lineChart({
          id: `time-failures-${g.prefix}`,
          title: `failed requests per second${g.title}`,
          x: { label: 'second of the run', scale: 'linear' },
          y: { label: 'failed requests' },
          series: failing.map(([v, s]) => ({ name: v.name, color: colour(v.name), points: s!.failures, style: 'points' as const })),
          note: 'seconds without a failure are not drawn; result.json counts every failure by class',
        }),
      );
    }
  }
  return out;
}

/** Connection set-up spans, ms since the request started; absent phases are skipped. */
const SETUP: readonly (readonly [string, string, string, string])[] = [
  ['connect', 'connStart', 'connectEnd', '#999999'],
  ['TLS', 'connectEnd', 'tlsEnd', '#b39ddb'],
  ['upgrade', 'upgradeSent', 'upgraded', '#80cbc4'],
];

/**
 * A sample request as consecutive, non-overlapping spans: its connection set-up (if it opened one),
 * then the wait until the server accepted it (the rest of the per-roundtrip overhead), until the first
 * token, and the stream; the ticks are its token arrivals.
 */
function waterfallRow(variant: string, s: SampleRequest): WaterfallRow {
  const p = s.phases;
  const segments = [];
  let setupEnd = 0;
  for (const [name, from, to, color] of SETUP) {
    const a = p[from];
    const b = p[to];
    if (a !== undefined && b !== undefined && b > a) {
      segments.push({ name, from: a, to: b, color });
      setupEnd = Math.max(setupEnd, b);
    }
  }
  const spans: [string, number | undefined, number | undefined, string][] = [
    ['until accepted (overhead)', setupEnd, p.ackAt, '#f4b183'],
    ['until first token', p.ackAt ?? setupEnd, p.firstDelta, '#ffd966'],
    ['streaming', p.firstDelta, p.lastDelta, '#a9d18e'],
  ];
  for (const [name, from, to, color] of spans) {
    if (from !== undefined && to !== undefined && to > from) segments.push({ name, from, to, color });
  }
  return { label: `${variant} #${s.i}`, segments, ticks: s.token_ms };
}

/** Token arrivals of each variant's sample requests, one row per request, all on one time axis per group. */
export function waterfallCharts(result: Result, series: ReadonlyMap<string, VariantSeries>): string[] {
  const out: string[] = [];
  for (const g of chartGroups(result)) {
    const rows = g.variants.flatMap((v) => (series.get(g.prefix + v.name)?.samples ?? []).slice(-4).map((s) => waterfallRow(v.name, s)));
    if (rows.length === 0) continue;
    out.push(
      waterfall({
        id: `waterfall-${g.prefix}`,
        title: `token arrivals of sample requests${g.title}`,
        xLabel: 'ms since the request started',
        width: 1150,
        rows,
        note: 'each tick is one delta reaching the client; the samples are the 1st, 2nd, 4th, 8th… successful request of each variant (the last four shown; #i is the request index)',
      }),
    );
  }
  return out;
}

const SWEEP_METRICS: readonly MetricName[] = ['ttft_ms', 'overhead_ms', 'itl_ms', 'tpot_ms', 'e2e_ms', 'decode_tps', 'session_e2e_ms'];

/** Each metric's p50 (solid) and p99 (dashed) against the swept value, one colour per variant. */
export function sweepCharts(result: Result, colour: (name: string) => string): string[] {
  const steps = result.steps;
  if (steps === undefined || steps.length === 0) return [];
  const values = steps.map((st) => st.value);
  const numeric = values.every((v) => typeof v === 'number');
  const nums = values as number[];
  const scale: XScale = !numeric ? 'category' : Math.min(...nums) > 0 && Math.max(...nums) / Math.min(...nums) >= 20 ? 'log' : 'linear';
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
        if (points.length > 0) series.push({ name: `${name} ${stat}`, color: colour(name), points, dash: stat === 'p99' });
      }
    }
    if (series.length === 0) continue;
    out.push(
      lineChart({
        id: `sweep-${m}`,
        title: `${m} vs ${steps[0].param}`,
        x: { label: steps[0].param, scale, ...(numeric ? {} : { categories: values.map(String) }) },
        y: { label: LABEL(m) },
        series,
      }),
    );
  }
  return out;
}
