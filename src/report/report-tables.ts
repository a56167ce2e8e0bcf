import {
  columnLabel,
  keyLabel,
  MAIN_COLUMNS,
  METRIC_INFO,
  type MetricName,
  METRICS,
  metricsIn,
} from '../core/catalog.js';
import type { MetricSummary } from '../result/result.js';
import type { ClaimResult } from '../result/result.js';
import type { ClientStats, Comparison, Result, VariantResult } from '../result/result.js';
import { resolves, SAMPLES_NEEDED, type ThresholdResult } from '../result/thresholds.js';
import { fmtComparison, fmtMs, fmtRate, fmtReduction, fmtShare } from './format.js';

/**
 * The tables of a run as rows of plain text (first row: the header), shared by the markdown and the HTML
 * report; each renderer escapes cells for its own format.
 */

const CHANGE_METRICS = metricsIn('change');

/** A figure: a rate (tok/s) to fmtRate's precision, the rest (ms, counts) to fmtMs's. */
export const metricValue = (m: MetricName, x: number | undefined): string =>
  x === undefined ? '–' : METRIC_INFO[m].unit === 'tok/s' ? fmtRate(x) : fmtMs(x);

/** Marks a figure its sample cannot resolve; the reports explain the mark under their tables. */
export const UNRESOLVED = '†';
/** `p99.9` for p999, as the tables head it; any other statistic as it is named. */
const statLabel = (p: string): string => (p === 'p999' ? 'p99.9' : p);
const NEEDS_TEXT = Object.entries(SAMPLES_NEEDED)
  .map(([p, n], i) => `${statLabel(p)} ${i === 0 ? 'needs ' : ''}${n}`)
  .join(', ');
export const UNRESOLVED_NOTE = `${UNRESOLVED} fewer samples than the percentile resolves (${NEEDS_TEXT}): the figure is the sample maximum`;

type Stat = 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'min' | 'max';

/** UNRESOLVED when the summary's sample is too small to tell percentile `p` from its maximum, else ''. */
export const unresolved = (s: Pick<MetricSummary, 'count'>, p: Stat): string =>
  resolves(s.count, p) ? '' : UNRESOLVED;

/** A percentile of a summary, marked when its sample is too small to tell it from the maximum. */
function stat(m: MetricName, s: MetricSummary | undefined, p: Stat): string {
  return s === undefined ? '–' : metricValue(m, s[p]) + unresolved(s, p);
}

/** One labelled group of variants: the top level, or one sweep step. */
export interface Group {
  label?: string;
  variants: readonly VariantResult[];
  comparisons: readonly Comparison[];
  claims?: readonly ClaimResult[];
}

/**
 * The reports' table per variant (per step with a sweep) for which `rows` has one, titled with the
 * variant's name (after its step's label).
 */
export function variantTables(
  all: readonly Group[],
  rows: (v: VariantResult) => string[][] | undefined,
): { title: string; variant: VariantResult; rows: string[][] }[] {
  return all.flatMap((g) =>
    g.variants.flatMap((v) => {
      const r = rows(v);
      return r === undefined
        ? []
        : [{ title: g.label === undefined ? v.name : `${g.label}: ${v.name}`, variant: v, rows: r }];
    }),
  );
}

export function groups(result: Result): Group[] {
  if (result.steps === undefined)
    return [{ variants: result.variants, comparisons: result.comparisons, claims: result.claims }];
  return result.steps.map((st) => ({ label: `${st.param} = ${String(st.value)}`, ...st }));
}

/** One row per variant (per step with a sweep): counts, rates and the headline percentiles. */
export function resultsRows(all: readonly Group[]): string[][] {
  const variants = all.flatMap((g) => g.variants);
  const present = MAIN_COLUMNS.filter(([m]) => variants.some((v) => v.metrics[m] !== undefined));
  const sweep = all.some((g) => g.label !== undefined);
  const goodput = variants.some((v) => v.goodput !== undefined);
  const rows: string[][] = [
    [
      ...(sweep ? ['step'] : []),
      'variant',
      'ok / requests',
      'errors',
      'req/s',
      'output tok/s',
      ...(goodput ? ['goodput'] : []),
      ...present.map(([m, p]) => columnLabel(m, p)),
    ],
  ];
  for (const g of all) {
    for (const v of g.variants) {
      const errors = Object.entries(v.counts.errors).filter(([, n]) => n > 0);
      rows.push([
        ...(sweep ? [g.label ?? ''] : []),
        v.name,
        `${v.counts.ok} / ${v.counts.requests}`,
        errors.length === 0 ? '0' : errors.map(([c, n]) => `${c} ${n}`).join(', '),
        fmtRate(v.throughput.requests_per_s),
        fmtRate(v.throughput.output_tokens_per_s),
        ...(goodput ? [v.goodput === undefined ? '–' : fmtShare(v.goodput.share)] : []),
        ...present.map(([m, p]) => stat(m, v.metrics[m], p)),
      ]);
    }
  }
  return rows;
}

/** `TTFT Δ% (Δ ms)`: a change-of-medians column, whose cells give the relative and the absolute change. */
const changeLabel = (m: MetricName): string => `${METRIC_INFO[m].name} Δ% (Δ ${METRIC_INFO[m].unit})`;

/** Change of each median against the first variant, one row per candidate; undefined when there is none. */
export function changeRows(g: Group): string[][] | undefined {
  if (g.comparisons.length === 0) return undefined;
  const metrics = CHANGE_METRICS.filter((m) => g.comparisons.some((c) => c.metric === m));
  const pairs = [...new Set(g.comparisons.map((c) => `${c.candidate}\u0000${c.baseline}`))];
  const rows = [['candidate vs baseline', ...metrics.map(changeLabel)]];
  for (const pair of pairs) {
    const [candidate, baseline] = pair.split('\u0000');
    const of = (m: MetricName) =>
      g.comparisons.find((c) => c.candidate === candidate && c.baseline === baseline && c.metric === m);
    rows.push([
      `${candidate} vs ${baseline}`,
      ...metrics.map((m) => {
        const c = of(m);
        return c === undefined ? '–' : fmtComparison(c);
      }),
    ]);
  }
  return rows;
}

export function claimsRows(g: Group): string[][] | undefined {
  if (g.claims === undefined || g.claims.length === 0) return undefined;
  // Text glyphs, not emoji: they render in any font (a headless browser has no emoji font).
  const icon = { supported: '✓', 'not supported': '✗', inconclusive: '?' } as const;
  const rows = [['claim', 'metric', 'candidate vs baseline', 'claimed', 'measured', '95% CI', 'verdict']];
  for (const c of g.claims) {
    rows.push([
      c.claim,
      c.metric == null ? '–' : keyLabel(c.metric),
      `${c.candidate} vs ${c.baseline}`,
      fmtReduction(c.claimed_reduction),
      c.reduction === undefined ? '–' : fmtReduction(c.reduction),
      c.ci95 === undefined ? '–' : `${fmtReduction(c.ci95[0])} … ${fmtReduction(c.ci95[1])}`,
      `${icon[c.verdict]} ${c.verdict}`,
    ]);
  }
  return rows;
}

const PERCENTILE_STATS: readonly Stat[] = ['min', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'];

/** The same figure at every statistic: two metrics that measured one instant. */
const sameFigures = (a: MetricSummary, b: MetricSummary): boolean =>
  a.count === b.count && PERCENTILE_STATS.every((p) => a[p] === b[p]);

/** A row that stands for both overhead_ms and ttfb_ms; TABLE_NOTES says why. */
const SAME_AS_TTFB = `${keyLabel('overhead_ms')} = ${keyLabel('ttfb_ms')}`;

/** Every metric of every variant at every reported percentile. */
export function percentileRows(all: readonly Group[]): string[][] {
  const rows = [['variant', 'metric', 'count', ...PERCENTILE_STATS.map(statLabel), 'unit']];
  for (const g of all) {
    for (const v of g.variants) {
      const ttfb = v.metrics.ttfb_ms;
      const overhead = v.metrics.overhead_ms;
      const merged = ttfb !== undefined && overhead !== undefined && sameFigures(ttfb, overhead);
      for (const m of METRICS) {
        const s: MetricSummary | undefined = v.metrics[m];
        if (s === undefined || (merged && m === 'ttfb_ms')) continue;
        const name = g.label === undefined ? v.name : `${g.label}: ${v.name}`;
        const label = merged && m === 'overhead_ms' ? SAME_AS_TTFB : keyLabel(m);
        rows.push([name, label, String(s.count), ...PERCENTILE_STATS.map((p) => stat(m, s, p)), METRIC_INFO[m].unit]);
      }
    }
  }
  return rows;
}

/** A mark in a table's cells, and the note that goes under the table when a cell has it. */
const TABLE_NOTES: readonly { marks: (cell: string) => boolean; note: string }[] = [
  { marks: (c) => c.endsWith(UNRESOLVED), note: UNRESOLVED_NOTE },
  {
    marks: (c) => c === SAME_AS_TTFB,
    // Over HTTP the server's acceptance (`response.created`, a first chat chunk) comes with the response
    // headers: one instant, one figure, said once.
    note: `${SAME_AS_TTFB}: the first response bytes carried the server's acceptance, so the two metrics are one instant and one figure`,
  },
];

/** The notes a table's cells call for, to print under it. */
export const tableNotes = (rows: readonly (readonly string[])[]): string[] =>
  TABLE_NOTES.filter((n) => rows.some((r) => r.some(n.marks))).map((n) => n.note);

/** The thresholds' heading: failures counted in it, so a long list still reads at a glance. */
export function thresholdsHeading(t: readonly ThresholdResult[]): string {
  const failed = t.filter((x) => !x.ok).length;
  return failed === 0 ? `Thresholds: all ${t.length} passed` : `Thresholds: ${failed} of ${t.length} failed`;
}

/** How loaded the harness itself was while measuring. */
export function clientLine(c: ClientStats): string {
  const d = c.event_loop_delay_ms;
  return `Client: event-loop delay p50 ${fmtMs(d.p50)} ms, p99 ${fmtMs(d.p99)} ms, max ${fmtMs(d.max)} ms; CPU ${c.cpu_percent.toFixed(0)}%.`;
}
