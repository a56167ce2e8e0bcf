/**
 * `wirebench trend`'s tables, terminal and markdown: the runs in order, then per variant and metric a row
 * per run with its p50 and p99 and the change from the run before, flagged where it is significant.
 */
import { axisLabel } from '../core/catalog.js';
import type { MetricComparison } from '../stats/compare.js';
import { TREND_STATS, type TrendChange, type TrendOutcome, type TrendRun, type TrendSeries } from '../stats/trend.js';
import { fmtInterval, fmtP, fmtPct } from './format.js';
import { cell } from './markdown.js';
import { metricValue, tableNotes, unresolved } from './report-tables.js';

/** `2026-12-06 21:19:14Z`: a run's start to the second. */
export const runTime = (r: TrendRun): string => r.started_at.replace('T', ' ').replace(/\.\d+(?=Z$)/, '');

/** `#3 2026-12-06 21:19:14Z 73768fe1a2b3`: a run by its place, start and commit (as compare names one). */
export const runLabel = (r: TrendRun, i: number): string =>
  `#${i + 1} ${runTime(r)}${r.git_commit === undefined ? '' : ` ${r.git_commit.slice(0, 12)}`}`;

/** Said once under the tables: which statistic, which interval, which test, and the rule. */
export const TREND_NOTE =
  'Δ: relative change of p50 and p99 from the run above (the last one before that measured the variant), ' +
  'with its bootstrap 95% CI and the Mann–Whitney U p-value, as wirebench compare computes them; ' +
  'significant (the verdict shown) when the interval excludes no change and, for p50, p (MW) < 0.05; n.s. otherwise.';

export const fewRunsNote = (n: number): string =>
  `no changes can be judged: a trend needs 2 runs, there ${n === 1 ? 'is 1' : `are ${n}`}`;

/** `p50 slower, p99 slower`, `n.s.`, or '' for a run with nothing before it. */
const flag = (c: TrendChange | undefined): string =>
  c === undefined
    ? ''
    : c.significant.length === 0
      ? 'n.s.'
      : c.significant.map((s) => `${s} ${c.comparison.verdicts[s]}`).join(', ');

const HEAD = ['run', 'started', 'commit', 'p50', 'Δ p50', '95% CI', 'p99', 'Δ p99', '95% CI', 'p (MW)', 'significant'];

/** Columns read as text, left-aligned; the figures are right-aligned. */
const TEXT_COLUMNS = new Set(['run', 'started', 'commit', 'significant']);
const isText = (head: readonly string[], i: number): boolean => TEXT_COLUMNS.has(head[i]);

/** A series' rows, the header first; a gap is a row of dashes. No run recorded a commit: no commit column. */
export function seriesRows(s: TrendSeries, runs: readonly TrendRun[]): string[][] {
  const rows = [
    HEAD,
    ...s.points.map((p, i) => {
      const run = [`#${i + 1}`, runTime(runs[i]), runs[i].git_commit?.slice(0, 12) ?? '-'];
      if (p === null) return [...run, '–', '', '', '–', '', '', '', 'not in this run'];
      const c = p.change?.comparison;
      const figures = TREND_STATS.flatMap((st) => [
        metricValue(s.metric, p[st]) + unresolved(p, st),
        c === undefined ? '' : fmtPct(c.stats[st].change),
        c === undefined ? '' : fmtInterval(c.ci95[st]),
      ]);
      return [...run, ...figures, c === undefined ? '' : fmtP(c.p_value), flag(p.change)];
    }),
  ];
  return runs.some((r) => r.git_commit !== undefined) ? rows : rows.map((r) => r.filter((_, i) => i !== 2));
}

export const seriesTitle = (s: TrendSeries): string => `${s.variant} · ${axisLabel(s.metric)}`;

const comparisons = (o: TrendOutcome): MetricComparison[] =>
  o.series.flatMap((s) => s.points.flatMap((p) => (p?.change === undefined ? [] : [p.change.comparison])));

/** Where the changes came from: one line, not a column; the metrics compared from the histograms, and why. */
function sourceNote(o: TrendOutcome): string | undefined {
  const cs = comparisons(o);
  if (cs.length === 0) return undefined;
  const byNote = new Map<string, Set<string>>();
  for (const c of cs)
    if (c.source_note !== undefined) byNote.set(c.source_note, (byNote.get(c.source_note) ?? new Set()).add(c.metric));
  if (byNote.size === 0) return 'Changes from the exact per-request samples in each run’s requests.jsonl.';
  const fallbacks = [...byNote].map(([note, metrics]) => `${[...metrics].join(', ')} (${note})`).join('; ');
  const exact = cs.some((c) => c.source === 'requests') ? 'the exact per-request samples in requests.jsonl; from ' : '';
  return `Changes from ${exact}the histograms (to their 0.1% precision): ${fallbacks}.`;
}

/** Every significant change, one line each: what a CI log reader looks for first. */
export function changeLines(o: TrendOutcome): string[] {
  return o.series.flatMap((s) =>
    s.points.flatMap((p, i) =>
      (p?.change?.significant ?? []).map((st) => {
        const c = p!.change!;
        const cmp = c.comparison;
        return (
          `${s.variant} ${s.metric} ${st} #${c.from + 1} → #${i + 1}: ` +
          `${metricValue(s.metric, cmp.stats[st].baseline)} → ${metricValue(s.metric, cmp.stats[st].candidate)} ` +
          `(${fmtPct(cmp.stats[st].change)}, 95% CI ${fmtInterval(cmp.ci95[st])}, p (MW) ${fmtP(cmp.p_value)}): ${cmp.verdicts[st]}`
        );
      }),
    ),
  );
}

/** The notes under the tables, in order. */
export function trendNotes(o: TrendOutcome): string[] {
  if (o.runs.length < 2) return [fewRunsNote(o.runs.length)];
  const marks = [...new Set(o.series.flatMap((s) => tableNotes(seriesRows(s, o.runs))))];
  return [TREND_NOTE, sourceNote(o), ...marks].filter((x): x is string => x !== undefined);
}

export const runLine = (r: TrendRun, i: number): string =>
  `${runLabel(r, i)}${r.path === undefined ? '' : `  ${r.path}`}`;

function table(rs: readonly (readonly string[])[]): string {
  const widths = rs[0].map((_, i) => Math.max(...rs.map((r) => r[i].length)));
  return rs
    .map((r) =>
      r
        .map((c, i) => (isText(rs[0], i) ? c.padEnd(widths[i]) : c.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function trendText(o: TrendOutcome): string {
  const out = [`runs, by start time:`, ...o.runs.map((r, i) => `  ${runLine(r, i)}`)];
  for (const s of o.series) out.push('', seriesTitle(s), table(seriesRows(s, o.runs)));
  out.push('', ...trendNotes(o));
  const changes = changeLines(o);
  if (o.runs.length >= 2)
    out.push('', ...(changes.length === 0 ? ['no significant change'] : ['significant changes:', ...changes]));
  return `${out.join('\n')}\n`;
}

function mdTable(rs: readonly (readonly string[])[]): string {
  const line = (r: readonly string[]): string => `| ${r.map(cell).join(' | ')} |`;
  const align = rs[0].map((_, i) => (isText(rs[0], i) ? '---' : '---:'));
  return [line(rs[0]), `| ${align.join(' | ')} |`, ...rs.slice(1).map(line)].join('\n');
}

/** GitHub-flavoured markdown: fits a job summary. */
export function trendMarkdown(o: TrendOutcome): string {
  const out = [`Runs, by start time:`, '', ...o.runs.map((r, i) => `- ${cell(runLine(r, i))}`)];
  for (const s of o.series) out.push('', `#### ${cell(seriesTitle(s))}`, '', mdTable(seriesRows(s, o.runs)));
  out.push('', trendNotes(o).join('\n\n'));
  const changes = changeLines(o);
  if (o.runs.length >= 2)
    out.push(
      '',
      ...(changes.length === 0
        ? ['No significant change.']
        : ['Significant changes:', '', ...changes.map((c) => `- ${cell(c)}`)]),
    );
  return `${out.join('\n')}\n`;
}
