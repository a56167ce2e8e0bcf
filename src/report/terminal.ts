import {
  columnLabel,
  MAIN_COLUMNS,
  METRIC_INFO,
  metricLabel,
  metricsIn,
  metricsWithRow,
  rowLabel,
} from '../core/catalog.js';
import { describeFailure, endpointFailures, failureCauses } from '../result/failures.js';
import type { ClaimResult } from '../result/result.js';
import { type Comparison, completedRate, type Result, type StepResult, type VariantResult } from '../result/result.js';
import { describeThreshold, type ThresholdResult } from '../result/thresholds.js';
import { definitionRows } from './definition-tables.js';
import { CHANGE_NOTE, fmtComparison, fmtMs, fmtRate, fmtReduction, fmtShare, msDecimals } from './format.js';
import { metricValue, thresholdsHeading, UNRESOLVED, unresolved, UNRESOLVED_NOTE } from './report-tables.js';
import { serverRows, serverSource } from './server-tables.js';
import { describeSetup } from './setup-text.js';
import { describeWorkload } from './workload-text.js';

export interface RenderOptions {
  /** ANSI colors; off by default so the text is stable for tests and logs. */
  color?: boolean;
}

/** Rows shown even when not measured, then those shown only when measured, then the medians alone. */
const ALWAYS_ROWS = metricsWithRow('always');
const MEASURED_ROWS = metricsWithRow('measured');
const MEDIAN_ROWS = metricsWithRow('median');
const CHANGE_METRICS = metricsIn('change');
/** The columns of a variant's table: the quantiles k6 and AIPerf users look for, and the worst case. */
const ROW_STATS = ['p50', 'p90', 'p95', 'p99', 'max'] as const;

interface Paint {
  bold: (s: string) => string;
  good: (s: string) => string;
  bad: (s: string) => string;
  warn: (s: string) => string;
}

const ansi = (code: number) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
const COLOR: Paint = { bold: ansi(1), good: ansi(32), bad: ansi(31), warn: ansi(33) };
const identity = (s: string) => s;
const PLAIN: Paint = { bold: identity, good: identity, bad: identity, warn: identity };

/** Below this the loop was barely sampled: its delay reads 0 and its CPU share is start-up's. */
const CLIENT_MIN_WINDOW_S = 0.05;

/** The end-of-run summary: one block per variant, the change of medians against the first, warnings. */
export function renderSummary(result: Result, opts: RenderOptions = {}): string {
  const paint = opts.color === true ? COLOR : PLAIN;
  const lines: string[] = [];
  const state = result.complete ? '' : '  (incomplete run)';
  lines.push(paint.bold(`wirebench ${result.env.wirebench}  ${result.target}  ${result.env.started_at}${state}`));
  lines.push(...describeSetup(result));
  if (result.workload !== undefined) lines.push(`workload: ${describeWorkload(result.workload)}`);
  for (const v of result.variants) {
    lines.push('', ...variantBlock(v, paint));
  }
  // Said once under the blocks, not under each.
  if (lines.some((l) => l.includes(UNRESOLVED))) lines.push('', UNRESOLVED_NOTE);
  if (result.steps !== undefined && result.steps.length > 0) lines.push('', ...sweepTable(result.steps));
  if (result.claims !== undefined && result.claims.length > 0) lines.push('', ...claimsTable(result.claims, paint));
  for (const st of result.steps ?? []) {
    if (st.claims !== undefined && st.claims.length > 0) {
      lines.push('', `claims at ${st.param} = ${String(st.value)}:`, ...claimsTable(st.claims, paint));
    }
  }
  if (result.thresholds !== undefined && result.thresholds.length > 0) {
    lines.push('', ...thresholdLines(result.thresholds, result.steps, paint));
  }
  const changes = changeLines(result.comparisons, paint);
  if (changes.length > 0) lines.push('', ...changes);
  // A window too short to sample (every request failed at once) has no figures worth a line.
  if (result.client !== undefined && (result.client.window_s ?? Infinity) < CLIENT_MIN_WINDOW_S) {
    lines.push('', `client: not measured (a ${fmtMs((result.client.window_s ?? 0) * 1000)} ms window)`);
  } else if (result.client !== undefined) {
    const c = result.client;
    lines.push(
      '',
      `client: event loop delay p50 ${fmtMs(c.event_loop_delay_ms.p50)} ms, p99 ${fmtMs(c.event_loop_delay_ms.p99)} ms, ` +
        `max ${fmtMs(c.event_loop_delay_ms.max)} ms; cpu ${c.cpu_percent.toFixed(0)}%`,
    );
  }
  if (result.warnings.length > 0) {
    lines.push('', ...result.warnings.map((w) => paint.warn(`warning: ${w}`)));
  }
  // Last, where the eye lands: a run that measured mostly failures is not a measurement.
  const failures = endpointFailures(result);
  if (failures.length > 0) {
    lines.push(
      '',
      ...failures.flatMap((f) => [paint.bad(`FAILED ${describeFailure(f)}`), ...f.causes.map((c) => `  ${c}`)]),
    );
  }
  return lines.join('\n') + '\n';
}

function variantBlock(v: VariantResult, paint: Paint): string[] {
  const lines = [paint.bold(`${v.name}  (${v.protocol}, ${v.connection})`)];
  lines.push(
    `  requests ${v.counts.ok}/${v.counts.requests} ok, ${fmtRate(v.throughput.requests_per_s)} req/s, ` +
      `${fmtRate(v.throughput.output_tokens_per_s)} output tok/s (tokens: ${v.tokens.source}), ` +
      `${fmtRate(v.window_s)} s window` +
      (v.wire === undefined ? '' : `, ${v.wire.bytes_per_output_token} wire B/token`),
  );
  const cached = v.tokens.cached_input;
  const l = v.output_lengths;
  if (cached !== undefined || (l !== undefined && l.short > 0)) {
    const parts = [
      ...(cached !== undefined
        ? [
            `input ${v.tokens.input} tokens, ${fmtShare(v.tokens.input > 0 ? cached / v.tokens.input : 0)} from the prompt cache`,
          ]
        : []),
      ...(l !== undefined && l.short > 0
        ? [
            `output ${l.received_tokens} of ${l.requested_tokens} tokens asked (${l.short} of ${l.requests} requests ended early)`,
          ]
        : []),
    ];
    lines.push(`  lengths  ${parts.join('; ')}`);
  }
  if (v.sessions !== undefined) {
    const s = v.sessions;
    const turns = v.metrics.session_turns;
    lines.push(
      `  sessions ${s.ok}/${s.total} completed` +
        (s.failed > 0 ? `, ${s.failed} failed (turns done p50 ${turns === undefined ? '-' : turns.p50})` : '') +
        (s.interrupted > 0 ? `, ${s.interrupted} cut short` : ''),
    );
  }
  if (v.goodput !== undefined) {
    const g = v.goodput;
    lines.push(
      `  goodput  ${g.good}/${g.requests} within the SLO (${fmtShare(g.share)}), ${fmtRate(g.rate_per_s)} good req/s`,
    );
  }
  if (v.rate !== undefined) {
    const done = completedRate(v);
    const delay = v.metrics.schedule_delay_ms;
    lines.push(
      `  arrivals ${fmtRate(v.rate.requested)}/s requested, ${fmtRate(v.rate.achieved)}/s started` +
        (done === undefined ? '' : `, ${fmtRate(done)}/s completed`) +
        (delay === undefined ? '' : ` (start delay p50 ${fmtMs(delay.p50)} ms, p99 ${fmtMs(delay.p99)} ms)`),
    );
  }
  if (v.counts.cancelled !== undefined) {
    lines.push(`  interrupts ${v.counts.cancelled} streams cancelled on purpose and redirected (not in requests)`);
  }
  const causes = failureCauses(v);
  if (causes.length > 0) lines.push(...causes.map((c, i) => `  ${i === 0 ? 'errors' : ''}`.padEnd(11) + c));
  const rows: string[][] = [['', ...ROW_STATS]];
  const measured = MEASURED_ROWS.filter((metric) => v.metrics[metric] !== undefined);
  for (const metric of [...ALWAYS_ROWS, ...measured]) {
    const s = v.metrics[metric];
    // One precision per row, from its smallest value, so a row reads as one series.
    const d = s === undefined ? 0 : msDecimals(s.p50);
    rows.push([
      rowLabel(metric),
      ...ROW_STATS.map((p) => (s === undefined ? '-' : s[p].toFixed(d) + unresolved(s, p))),
    ]);
  }
  for (const metric of MEDIAN_ROWS) {
    const s = v.metrics[metric];
    rows.push([rowLabel(metric), s === undefined ? '-' : fmtRate(s.p50)]);
  }
  lines.push(...table(rows).map((row) => `  ${row}`));
  const defs = definitionRows(v);
  if (defs !== undefined) lines.push(...table(defs).map((row) => `  ${row}`));
  const server = serverRows(v);
  if (server !== undefined) {
    lines.push(`  server vs client (${serverSource(v)}):`);
    lines.push(...table(server).map((row) => `  ${row}`));
  }
  return lines;
}

/** One row per claim: what was claimed, what was measured with its 95% interval, and the verdict. */
function claimsTable(claims: readonly ClaimResult[], paint: Paint): string[] {
  const change = fmtReduction;
  const rows = [['claim', 'metric', 'candidate vs baseline', 'claimed', 'measured', '95% CI', 'verdict']];
  for (const c of claims) {
    rows.push([
      c.claim,
      c.metric ?? '-',
      `${c.candidate} vs ${c.baseline}`,
      change(c.claimed_reduction),
      c.reduction === undefined ? '-' : change(c.reduction),
      c.ci95 === undefined ? '-' : `${change(c.ci95[0])} .. ${change(c.ci95[1])}`,
      c.verdict,
    ]);
  }
  const painted = { supported: paint.good, 'not supported': paint.bad, inconclusive: paint.warn };
  return table(rows).map((row, i) => (i === 0 ? row : painted[claims[i - 1].verdict](row)));
}

/** Every threshold checked, ✓ or ✗, failures counted in the heading so a long list still reads at a glance. */
function thresholdLines(
  thresholds: readonly ThresholdResult[],
  steps: readonly StepResult[] | undefined,
  paint: Paint,
): string[] {
  return [
    paint.bold(thresholdsHeading(thresholds)),
    ...thresholds.map((t) =>
      t.ok ? paint.good(`  ✓ ${describeThreshold(t, steps)}`) : paint.bad(`  ✗ ${describeThreshold(t, steps)}`),
    ),
  ];
}

/** Medians and tails per step and variant (the reports' main columns): the table a sweep is read from. */
function sweepTable(steps: readonly StepResult[]): string[] {
  const present = MAIN_COLUMNS.filter(([m]) => steps.some((st) => st.variants.some((v) => v.metrics[m] !== undefined)));
  const goodput = steps.some((st) => st.variants.some((v) => v.goodput !== undefined));
  const rows: string[][] = [
    [
      steps[0].param,
      'variant',
      'ok/req',
      'req/s',
      ...(goodput ? ['goodput'] : []),
      ...present.map(([m, p]) => columnLabel(m, p)),
    ],
  ];
  for (const st of steps) {
    for (const v of st.variants) {
      rows.push([
        String(st.value),
        v.name,
        `${v.counts.ok}/${v.counts.requests}`,
        fmtRate(v.throughput.requests_per_s),
        ...(goodput ? [v.goodput === undefined ? '-' : fmtShare(v.goodput.share)] : []),
        ...present.map(([m, p]) => {
          const x = v.metrics[m]?.[p];
          return x === undefined ? '-' : metricValue(m, x);
        }),
      ]);
    }
  }
  return table(rows);
}

/** `candidate vs baseline: TTFT -52%, overhead -83%, …`, one line per pair, in the order of `comparisons`. */
function changeLines(comparisons: readonly Comparison[], paint: Paint): string[] {
  const pairs = new Map<string, Comparison[]>();
  for (const c of comparisons) {
    const key = `${c.candidate} vs ${c.baseline}`;
    const list = pairs.get(key);
    if (list === undefined) pairs.set(key, [c]);
    else list.push(c);
  }
  const lines: string[] = [];
  for (const [pair, list] of pairs) {
    const parts: string[] = [];
    for (const metric of CHANGE_METRICS) {
      const c = list.find((x) => x.metric === metric);
      if (c !== undefined) parts.push(`${metricLabel(metric)} ${colorChange(c, paint)}`);
    }
    if (parts.length > 0) lines.push(`${pair}: ${parts.join(', ')}`);
  }
  if (comparisons.some((c) => c.significant !== undefined)) lines.push(CHANGE_NOTE);
  return lines;
}

function colorChange(c: Comparison, paint: Paint): string {
  const text = fmtComparison(c);
  if (Math.round(c.change * 100) === 0 || c.significant === false) return text;
  const better = METRIC_INFO[c.metric].direction === 'higher' ? c.change > 0 : c.change < 0;
  return better ? paint.good(text) : paint.bad(text);
}

/** Left-aligned first column, right-aligned numbers, two spaces between columns. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}
