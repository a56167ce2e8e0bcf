import { axisLabel, METRIC_INFO, type MetricName, metricsIn } from '../core/catalog.js';
import type { Result } from '../result/result.js';
import type { IntervalSeries } from './hlog-series.js';
import { type ChartGroup, chartGroups } from './report-charts.js';
import type { SampleRequest, VariantSeries } from './request-series.js';
import { lineChart, type Series } from './svg/line-chart.js';
import { waterfall, type WaterfallRow } from './svg/waterfall.js';

/** The report's charts over the run's time and within requests: from requests.jsonl and interval logs. */

/** The metrics whose percentiles per interval the report draws when the run wrote interval logs. */
export const INTERVAL_METRICS = metricsIn('interval');
export type IntervalMetrics = Partial<Record<MetricName, IntervalSeries>>;

/** p50 (solid) and p99 (dashed) per interval of the `--hdr-log` interval logs, one colour per variant. */
function intervalCharts(
  g: ChartGroup,
  intervals: ReadonlyMap<string, IntervalMetrics>,
  colour: (name: string) => string,
): string[] {
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
        title: `${axisLabel(m)} — p50 and p99 per interval${g.title}`,
        x: { label: 's since the run started', scale: 'linear' },
        y: { label: axisLabel(m) },
        series,
        note:
          'from the HdrHistogram interval logs (--hdr-log): every sample, counted in the interval its request finished in; ' +
          'consecutive intervals added until a window holds ≥ 100 samples (a p99 needs them), each point at its window’s middle',
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
    const present = g.variants
      .map((v) => [v, series.get(g.prefix + v.name)] as const)
      .filter(([, s]) => s !== undefined && s.ok + s.failed > 0);
    if (present.length === 0) continue;
    const sampled = present.some(([, s]) => s!.ttft.length < s!.ok);
    const note = sampled ? 'a uniform sample of the requests (requests.jsonl has every one)' : undefined;
    const scatter = (pick: (s: VariantSeries) => [number, number][]): Series[] =>
      present.map(([v, s]) => ({ name: v.name, color: colour(v.name), points: pick(s!), style: 'points' as const }));
    out.push(
      lineChart({
        id: `time-ttft-${g.prefix}`,
        title: `${axisLabel('ttft_ms')} — per request over time${g.title}`,
        x: { label: 'request start (s since the run started)', scale: 'linear' },
        y: { label: axisLabel('ttft_ms') },
        series: scatter((s) => s.ttft),
        note,
      }),
      lineChart({
        id: `time-itl-${g.prefix}`,
        title: `${axisLabel('itl_ms')} — mean per request over time${g.title}`,
        x: { label: 'request start (s since the run started)', scale: 'linear' },
        y: { label: `mean ${axisLabel('itl_ms')} per request` },
        series: scatter((s) => s.gap),
        note: `each point: (last delta − first delta) / (deltas − 1) of one request; the ${METRIC_INFO.itl_ms.name} distributions have every gap${sampled ? '; ' + note : ''}`,
      }),
    );
    const failing = present.filter(([, s]) => s!.failed > 0);
    if (failing.length > 0) {
      out.push(
        lineChart({
          id: `time-failures-${g.prefix}`,
          title: `failed requests per second${g.title}`,
          x: { label: 'second of the run', scale: 'linear' },
          y: { label: 'failed requests', zero: true },
          series: failing.map(([v, s]) => ({
            name: v.name,
            color: colour(v.name),
            points: s!.failures,
            style: 'points' as const,
          })),
          note: 'seconds without a failure are not drawn; result.json counts every failure by class',
        }),
      );
    }
  }
  return out;
}

/** Connection set-up spans, ms since the request started; absent phases are skipped. */
const SETUP: readonly (readonly [string, string, string, string])[] = [
  [METRIC_INFO.connect_ms.name, 'connStart', 'connectEnd', '#999999'],
  [METRIC_INFO.tls_ms.name, 'connectEnd', 'tlsEnd', '#b39ddb'],
  [METRIC_INFO.handshake_ms.name, 'upgradeSent', 'upgraded', '#80cbc4'],
];

/**
 * A sample request as consecutive, non-overlapping spans on the time axis the histograms use (from the
 * intended start): queueing in the client (open loop), connection set-up if it opened one, the wait
 * until the server accepted it, until the first token, the stream — or, for a failure, until it failed.
 * The ticks are its token arrivals.
 */
function waterfallRow(variant: string, s: SampleRequest): WaterfallRow {
  const queued = s.start_ms - s.intended_ms;
  const p = s.phases;
  const at = (name: string): number | undefined => (p[name] === undefined ? undefined : p[name] + queued);
  const segments = [];
  if (queued > 0) segments.push({ name: 'queued in the client', from: 0, to: queued, color: '#d9d9d9' });
  let reached = queued;
  for (const [name, from, to, color] of SETUP) {
    const a = at(from);
    const b = at(to);
    if (a !== undefined && b !== undefined && b > a) {
      segments.push({ name, from: a, to: b, color });
      reached = Math.max(reached, b);
    }
  }
  const spans: [string, number | undefined, string][] = [
    ['until accepted', at('ackAt'), '#f4b183'],
    ['until first token', at('firstDelta'), '#ffd966'],
    ['streaming', at('lastDelta'), '#a9d18e'],
    ['until it failed', s.error === undefined ? undefined : at('errorAt'), '#e06666'],
  ];
  for (const [name, to, color] of spans) {
    if (to === undefined || !(to > reached)) continue;
    segments.push({ name, from: reached, to, color });
    reached = to;
  }
  return { label: `${variant} #${s.i}`, segments, ticks: s.token_ms.map((t) => t + queued), error: s.error };
}

/** Token arrivals of each variant's sample requests, one row per request, all on one time axis per group. */
export function waterfallCharts(result: Result, series: ReadonlyMap<string, VariantSeries>): string[] {
  const out: string[] = [];
  for (const g of chartGroups(result)) {
    const rows = g.variants.flatMap((v) => {
      const s = series.get(g.prefix + v.name);
      if (s === undefined) return [];
      return [...s.samples.slice(-4), ...(s.failure === undefined ? [] : [s.failure])].map((r) =>
        waterfallRow(v.name, r),
      );
    });
    if (rows.length === 0) continue;
    out.push(
      waterfall({
        id: `waterfall-${g.prefix}`,
        title: `token arrivals of sample requests${g.title}`,
        xLabel: 'ms since the request was meant to start',
        width: 1150,
        rows,
        note:
          'each tick is one delta reaching the client, ms since the request was meant to start; the samples are the 1st, 2nd, 4th, 8th… ' +
          'successful request of each variant (the last four shown) and its first failure; #i is the request index',
      }),
    );
  }
  return out;
}
