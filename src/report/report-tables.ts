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
import type { ThresholdResult } from '../result/thresholds.js';
import { fmtComparison, fmtMs, fmtRate, fmtReduction, fmtShare } from './format.js';

/**
 * The tables of a run as rows of plain text (first row: the header), shared by the markdown and the HTML
 * report; each renderer escapes cells for its own format.
 */

const CHANGE_METRICS = metricsIn('change');

/** A figure: a rate (tok/s) to fmtRate's precision, the rest (ms, counts) to fmtMs's. */
const value = (m: MetricName, x: number | undefined): string =>
  x === undefined ? '–' : METRIC_INFO[m].unit === 'tok/s' ? fmtRate(x) : fmtMs(x);

/** Samples a percentile needs before it is more than the sample maximum (n ≥ 1/(1 − q)). */
const NEEDS: Readonly<Record<string, number>> = { p99: 100, p999: 1000 };
/** Marks a figure its sample cannot resolve; the reports explain the mark under their tables. */
export const UNRESOLVED = '†';
export const UNRESOLVED_NOTE = `${UNRESOLVED} fewer samples than the percentile resolves (p99 needs 100, p99.9 needs 1000): the figure is the sample maximum`;

type Stat = 'p50' | 'p90' | 'p99' | 'p999' | 'min' | 'max';

/** UNRESOLVED when the summary's sample is too small to tell percentile `p` from its maximum, else ''. */
export const unresolved = (s: MetricSummary, p: Stat): string => (s.count < (NEEDS[p] ?? 0) ? UNRESOLVED : '');

/** A percentile of a summary, marked when its sample is too small to tell it from the maximum. */
function stat(m: MetricName, s: MetricSummary | undefined, p: Stat): string {
  return s === undefined ? '–' : value(m, s[p]) + unresolved(s, p);
}

/**
 * How the tables name metrics: the markdown's terse defaults (`TTFT p50`, `ttft`, `ttft_ms` beside a unit
 * column), or the HTML report's, whose every header carries its unit.
 */
export interface TableLabels {
  /** A main-table column. */
  column: (m: MetricName, p: 'p50' | 'p99') => string;
  /** A change-of-medians column. */
  change: (m: MetricName) => string;
  /** A metric in a cell; `units`: the cell names the unit, so the percentile table needs no unit column. */
  metric: (m: MetricName) => string;
  units: boolean;
}

export const PLAIN_LABELS: TableLabels = { column: columnLabel, change: keyLabel, metric: (m) => m, units: false };

/** One labelled group of variants: the top level, or one sweep step. */
export interface Group {
  label?: string;
  variants: readonly VariantResult[];
  comparisons: readonly Comparison[];
  claims?: readonly ClaimResult[];
}

export function groups(result: Result): Group[] {
  if (result.steps === undefined)
    return [{ variants: result.variants, comparisons: result.comparisons, claims: result.claims }];
  return result.steps.map((st) => ({ label: `${st.param} = ${String(st.value)}`, ...st }));
}

/** One row per variant (per step with a sweep): counts, rates and the headline percentiles. */
export function resultsRows(all: readonly Group[], labels = PLAIN_LABELS): string[][] {
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
      ...present.map(([m, p]) => labels.column(m, p)),
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

/** Change of each median against the first variant, one row per candidate; undefined when there is none. */
export function changeRows(g: Group, labels = PLAIN_LABELS): string[][] | undefined {
  if (g.comparisons.length === 0) return undefined;
  const metrics = CHANGE_METRICS.filter((m) => g.comparisons.some((c) => c.metric === m));
  const pairs = [...new Set(g.comparisons.map((c) => `${c.candidate}\u0000${c.baseline}`))];
  const rows = [['candidate vs baseline', ...metrics.map(labels.change)]];
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

export function claimsRows(g: Group, labels = PLAIN_LABELS): string[][] | undefined {
  if (g.claims === undefined || g.claims.length === 0) return undefined;
  // Text glyphs, not emoji: they render in any font (a headless browser has no emoji font).
  const icon = { supported: '✓', 'not supported': '✗', inconclusive: '?' } as const;
  const rows = [['claim', 'metric', 'candidate vs baseline', 'claimed', 'measured', '95% CI', 'verdict']];
  for (const c of g.claims) {
    rows.push([
      c.claim,
      c.metric == null ? '–' : labels.metric(c.metric),
      `${c.candidate} vs ${c.baseline}`,
      fmtReduction(c.claimed_reduction),
      c.reduction === undefined ? '–' : fmtReduction(c.reduction),
      c.ci95 === undefined ? '–' : `${fmtReduction(c.ci95[0])} … ${fmtReduction(c.ci95[1])}`,
      `${icon[c.verdict]} ${c.verdict}`,
    ]);
  }
  return rows;
}

/** Every metric of every variant at every reported percentile. */
export function percentileRows(all: readonly Group[], labels = PLAIN_LABELS): string[][] {
  const stats = ['count', 'min', 'p50', 'p90', 'p99', 'p99.9', 'max'];
  const rows = [labels.units ? ['variant', 'metric (unit)', ...stats] : ['variant', 'metric', ...stats, 'unit']];
  for (const g of all) {
    for (const v of g.variants) {
      for (const m of METRICS) {
        const s: MetricSummary | undefined = v.metrics[m];
        if (s === undefined) continue;
        const f = (p: Stat) => stat(m, s, p);
        const name = g.label === undefined ? v.name : `${g.label}: ${v.name}`;
        const figures = [String(s.count), f('min'), f('p50'), f('p90'), f('p99'), f('p999'), f('max')];
        rows.push(labels.units ? [name, labels.metric(m), ...figures] : [name, m, ...figures, METRIC_INFO[m].unit]);
      }
    }
  }
  return rows;
}

/** Whether a table holds a figure marked UNRESOLVED (its note then goes under it). */
export const hasUnresolved = (rows: readonly (readonly string[])[]): boolean =>
  rows.some((r) => r.some((c) => c.endsWith(UNRESOLVED)));

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
