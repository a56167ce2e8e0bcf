/**
 * `wirebench compare`'s output: which results it compared, the table (terminal or markdown) and one line
 * per `--fail-on` rule and variant pair saying what decided it. The json format carries the same facts.
 */
import { fmtInterval as ci, fmtP, fmtPct as pct } from '../report/format.js';
import type { Result } from '../result/result.js';
import type { MetricComparison } from '../stats/compare.js';
import type { RuleOutcome } from '../stats/fail-on.js';

/** A compared result: where it is, when it ran, and from which commit when the run recorded one. */
export interface Side {
  path: string;
  started_at: string;
  git_commit?: string;
}

export const sideOf = (file: string, r: Result): Side => ({
  path: file,
  started_at: r.env.started_at,
  ...(r.env.git_commit === undefined ? {} : { git_commit: r.env.git_commit }),
});

const describeSide = (s: Side): string =>
  `${s.path} (started ${s.started_at}${s.git_commit === undefined ? '' : `, commit ${s.git_commit.slice(0, 12)}`})`;

export const sidesLines = (base: Side, cand: Side): string[] => [
  `baseline: ${describeSide(base)}`,
  `candidate: ${describeSide(cand)}`,
];

const num = (x: number): string => (Math.abs(x) < 10 ? x.toFixed(3) : x.toFixed(1));
/** A verdict is per statistic: a −64% p99 is not hidden behind an unchanged median. */
const verdict = (c: MetricComparison, stat: 'p50' | 'p99'): string => c.verdicts[stat] ?? '-';

export function rows(cs: readonly MetricComparison[]): string[][] {
  const head = ['variant', 'metric', 'p50 base', 'p50 cand', 'Δ p50', '95% CI', 'p50 verdict'];
  const tail = ['p99 base', 'p99 cand', 'Δ p99', '95% CI', 'p99 verdict', 'p (MW)'];
  return [
    [...head, ...tail],
    ...cs.map((c) => [
      c.baseline_variant === c.candidate_variant
        ? c.baseline_variant
        : `${c.candidate_variant} vs ${c.baseline_variant}`,
      c.metric,
      ...(['p50', 'p99'] as const).flatMap((s) => [
        num(c.stats[s].baseline),
        num(c.stats[s].candidate),
        pct(c.stats[s].change),
        ci(c.ci95[s]),
        verdict(c, s),
      ]),
      fmtP(c.p_value),
    ]),
  ];
}

function table(rs: string[][]): string {
  const widths = rs[0].map((_, i) => Math.max(...rs.map((r) => r[i].length)));
  return rs
    .map((r) =>
      r
        .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function markdown(rs: string[][]): string {
  const line = (r: string[]): string => `| ${r.join(' | ')} |`;
  return [line(rs[0]), line(rs[0].map((_, i) => (i < 2 ? '---' : '---:'))), ...rs.slice(1).map(line)].join('\n');
}

/** The words after a rule's figures: what decided it. */
function decision(o: RuleOutcome): string {
  switch (o.decided_by) {
    case 'no data':
      return 'no data to judge it';
    case 'limit':
      return o.ok ? 'within the limit' : 'beyond the limit';
    case 'change':
      return 'change within the rule';
    case 'interval':
      return o.ok ? 'change beyond the rule, but not significant' : 'change beyond the rule, and significant';
    case 'too few samples':
      return `change beyond the rule, and too few samples to judge it (${o.samples_needed} a side needed, the figure is the maximum)`;
  }
}

/**
 * `fail: ttft_ms.p99>+10%: sse ttft_ms.p99 102.1 → 121.5 (+18.9%, 95% CI +17.0% .. +21.0%, p (MW)
 * <0.0001): change beyond the rule, and significant` — the statistic, its interval and the test.
 */
export function ruleLine(o: RuleOutcome, md = false): string {
  const variant =
    o.baseline_variant === o.candidate_variant
      ? o.candidate_variant
      : `${o.candidate_variant} vs ${o.baseline_variant}`;
  const value = (x: number | null): string => (x === null ? '-' : num(x));
  const change =
    o.change === undefined
      ? ''
      : ` (${pct(o.change)}, 95% CI ${ci(o.ci95)}${o.p_value === undefined ? '' : `, p (MW) ${fmtP(o.p_value)}`})`;
  const word = o.ok ? 'pass' : 'fail';
  const head = md ? `**${word}** \`${o.rule}\`` : `${word}: ${o.rule}`;
  return `${head}: ${variant} ${o.statistic} ${value(o.baseline)} → ${value(o.candidate)}${change}: ${decision(o)}`;
}

/** The markdown report, for stdout and a job summary alike: sides, table, source, then the rules. */
export function markdownReport(heading: string[], rs: string[][], note: string, outcomes: RuleOutcome[]): string {
  const list = (xs: string[]): string => xs.map((x) => `- ${x}`).join('\n');
  const rules = outcomes.map((o) => ruleLine(o, true));
  return [list(heading), markdown(rs), note, ...(rules.length > 0 ? [list(rules)] : [])].join('\n\n');
}

/** The terminal report: sides, table, source, then the rules. */
export function textReport(heading: string[], rs: string[][], note: string, outcomes: RuleOutcome[]): string {
  const rules = outcomes.map((o) => ruleLine(o));
  return [...heading, '', table(rs), '', note, ...(rules.length > 0 ? ['', ...rules] : [])].join('\n');
}
