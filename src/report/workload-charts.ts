import { axisLabel, METRIC_INFO } from '../core/catalog.js';
import { decodeHistogram } from '../metrics/histogram.js';
import type { Result, VariantResult } from '../result/result.js';
import { type LengthBins, lengthBins, LOG_SPAN } from './length-bins.js';
import { type ChartGroup, chartGroups } from './report-charts.js';
import type { VariantSeries } from './request-series.js';
import { histogramChart, type HistogramSeries } from './svg/histogram.js';
import { lineChart, type Series } from './svg/line-chart.js';

/** The report's picture of what was sent: the lengths per variant, and latency against them. */

/** What was asked for, outlined over what arrived: a neutral colour, apart from every variant's. */
const ASKED = '#444444';

const pct = (part: number, whole: number): string => `${Math.round((100 * part) / whole)}%`;

/** How many requests a histogram holds, and their length when it is one bin: the axis may not say it as plainly. */
function requests(b: LengthBins, count: number): string {
  const filled = b.counts[0].flatMap((c, k) => (c > 0 ? [k] : []));
  return filled.length === 1 ? `all ${count} requests: ${b.bins[filled[0]].label}` : `${count} requests`;
}

type Present = readonly (readonly [VariantResult, VariantSeries])[];

interface ScatterSpec {
  id: string;
  title: string;
  x: string;
  y: string;
  pick: (s: VariantSeries) => [number, number][];
  /** The requests a variant's points are a sample of. */
  of: (s: VariantSeries) => number;
  note: string;
}

/** TTFT against what the server had to read first, E2E against what it wrote. */
const SCATTERS: readonly ScatterSpec[] = [
  {
    id: 'ttft-by-input',
    title: `${axisLabel('ttft_ms')} vs ${axisLabel('input_tokens')}`,
    x: axisLabel('input_tokens'),
    y: axisLabel('ttft_ms'),
    pick: (s) => s.ttftByInput,
    of: (s) => s.withInput,
    note: 'input as the histograms count it (the server’s usage, else the o200k count of the prompt the client made); TTFT from the intended start, queueing in the client included',
  },
  {
    id: 'e2e-by-output',
    title: `${axisLabel('e2e_ms')} vs ${axisLabel('output_tokens')}`,
    x: `${axisLabel('output_tokens')} received`,
    y: axisLabel('e2e_ms'),
    pick: (s) => s.e2eByOutput,
    of: (s) => s.completed,
    note: 'completed requests (a cancelled stream has no E2E); E2E from the intended start to done, queueing in the client included',
  },
];

/**
 * A latency against a length, one colour per variant, from the series' uniform sample. Left out when
 * every length is the same: a column of dots says nothing the histograms do not.
 */
function scatter(g: ChartGroup, present: Present, colour: (name: string) => string, spec: ScatterSpec): string[] {
  const series: Series[] = present.map(([v, s]) => ({
    name: v.name,
    color: colour(v.name),
    points: spec.pick(s),
    style: 'points',
  }));
  let [lo, hi, drawn] = [Infinity, -Infinity, 0];
  for (const s of series) {
    drawn += s.points.length;
    for (const [x] of s.points) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
  }
  if (!(hi > lo)) return [];
  const total = present.reduce((n, [, s]) => n + spec.of(s), 0);
  const sample =
    drawn === total
      ? `all ${total} requests`
      : `a uniform sample of ${drawn} of ${total} requests (requests.jsonl has every one)`;
  return [
    lineChart({
      id: `${spec.id}-${g.prefix}`,
      title: `${spec.title}${g.title}`,
      x: { label: spec.x, scale: lo > 0 && hi / lo > LOG_SPAN ? 'log' : 'linear' },
      y: { label: spec.y },
      series,
      note: `${sample}; ${spec.note}`,
    }),
  ];
}

/** The input lengths a variant sent, from result.json's histogram: every completed request. */
function inputChart(g: ChartGroup, v: VariantResult, colour: string): string[] {
  const s = v.metrics.input_tokens;
  const b = s === undefined || s.count === 0 ? undefined : lengthBins([decodeHistogram(s.hdr)]);
  if (s === undefined || b === undefined) return [];
  const cached = v.tokens.cached_input ?? 0;
  const cache =
    cached > 0 && v.tokens.input > 0
      ? `; the endpoint served ${pct(cached, v.tokens.input)} of the input tokens from its prompt cache`
      : '';
  return [
    histogramChart({
      id: `length-input-${g.prefix}${v.name}`,
      title: `${axisLabel('input_tokens')} — lengths sent · ${v.name}${g.title}`,
      x: { label: axisLabel('input_tokens'), scale: b.scale },
      y: { label: 'requests' },
      bins: b.bins,
      series: [{ name: `${v.name}: input tokens`, color: colour, counts: b.counts[0], style: 'bars' }],
      note: `${requests(b, s.count)}; ${METRIC_INFO.input_tokens.description}${cache}`,
    }),
  ];
}

/** Whether the endpoint gave what was asked: result.json's count of requests that received fewer tokens. */
function shortfall(v: VariantResult): string {
  const l = v.output_lengths;
  if (l === undefined || l.requests === 0) return '';
  if (l.short === 0) return `; all ${l.requests} requests counted received the max_output_tokens they asked for`;
  return (
    `; ${l.short} of ${l.requests} requests (${pct(l.short, l.requests)}) ended before max_output_tokens, ` +
    `${pct(l.received_tokens, l.requested_tokens)} of the tokens asked for arrived`
  );
}

/** The output lengths a variant received (result.json) and, outlined over them, those it asked for (requests.jsonl). */
function outputChart(g: ChartGroup, v: VariantResult, s: VariantSeries | undefined, colour: string): string[] {
  const out = v.metrics.output_tokens;
  if (out === undefined || out.count === 0) return [];
  const asked = s?.requested;
  const b = lengthBins(asked === undefined ? [decodeHistogram(out.hdr)] : [decodeHistogram(out.hdr), asked])!;
  const series: HistogramSeries[] = [
    { name: `${v.name}: output tokens received`, color: colour, counts: b.counts[0], style: 'bars' },
  ];
  if (asked !== undefined)
    series.push({ name: 'max_output_tokens asked for', color: ASKED, counts: b.counts[1], style: 'step', dash: true });
  return [
    histogramChart({
      id: `length-output-${g.prefix}${v.name}`,
      title: `${axisLabel('output_tokens')} — lengths received · ${v.name}${g.title}`,
      x: { label: axisLabel('output_tokens'), scale: b.scale },
      y: { label: 'requests' },
      bins: b.bins,
      series,
      note: `${requests(b, out.count)}; ${METRIC_INFO.output_tokens.description}${shortfall(v)}`,
    }),
  ];
}

/**
 * Per chart group: TTFT against input length and E2E against output length (a sample of requests.jsonl,
 * when the lengths vary), then each variant's histograms of the input and output lengths (result.json).
 */
export function workloadCharts(
  result: Result,
  series: ReadonlyMap<string, VariantSeries>,
  colour: (name: string) => string,
): string[] {
  const out: string[] = [];
  for (const g of chartGroups(result)) {
    const present = g.variants.flatMap((v) => {
      const s = series.get(g.prefix + v.name);
      return s === undefined ? [] : [[v, s] as const];
    });
    out.push(...SCATTERS.flatMap((spec) => scatter(g, present, colour, spec)));
    for (const v of g.variants) {
      out.push(
        ...inputChart(g, v, colour(v.name)),
        ...outputChart(g, v, series.get(g.prefix + v.name), colour(v.name)),
      );
    }
  }
  return out;
}
