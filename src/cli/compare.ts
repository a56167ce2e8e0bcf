import { appendFileSync } from 'node:fs';

import type { Command } from 'commander';

import { ResultFileError } from '../result/read.js';
import type { MetricComparison } from '../stats/compare.js';
import { CompareError, type CompareOutcome, compareResults } from '../stats/compare-results.js';
import { intArg } from './args.js';

interface CompareFlags {
  baselineVariant?: string;
  candidateVariant?: string;
  failOn: string[];
  format: 'table' | 'md' | 'json';
  force?: boolean;
  seed: number;
  /** False with --no-requests. */
  requests: boolean;
}

/**
 * Where the values, intervals and p-values came from: one line under the table, not a column on every row.
 * A row is from one source throughout: exact samples give its values, changes, intervals and p alike.
 */
function sourceNote(cs: readonly MetricComparison[]): string {
  const byNote = new Map<string, Set<string>>();
  for (const c of cs)
    if (c.source_note !== undefined) byNote.set(c.source_note, (byNote.get(c.source_note) ?? new Set()).add(c.metric));
  if (!cs.some((c) => c.source === 'requests'))
    return `95% CI and p (MW): resampled from the histograms (${[...byNote.keys()].join('; ')})`;
  const fallbacks = [...byNote].map(([note, metrics]) => `${[...metrics].join(', ')} (${note})`);
  return `95% CI and p (MW), and the values and changes beside them: exact per-request samples from requests.jsonl${fallbacks.length > 0 ? `; from the histograms: ${fallbacks.join('; ')}` : ''}`;
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const ci = (iv: [number, number] | undefined): string => (iv === undefined ? '-' : `${pct(iv[0])} .. ${pct(iv[1])}`);
const num = (x: number): string => (Math.abs(x) < 10 ? x.toFixed(3) : x.toFixed(1));

function rows(cs: readonly MetricComparison[]): string[][] {
  const head = [
    'variant',
    'metric',
    'p50 base',
    'p50 cand',
    'Δ p50',
    '95% CI',
    'p99 base',
    'p99 cand',
    'Δ p99',
    '95% CI',
    'p (MW)',
    'verdict',
  ];
  return [
    head,
    ...cs.map((c) => [
      c.baseline_variant === c.candidate_variant
        ? c.baseline_variant
        : `${c.candidate_variant} vs ${c.baseline_variant}`,
      c.metric,
      num(c.stats.p50.baseline),
      num(c.stats.p50.candidate),
      pct(c.stats.p50.change),
      ci(c.ci95.p50),
      num(c.stats.p99.baseline),
      num(c.stats.p99.candidate),
      pct(c.stats.p99.change),
      ci(c.ci95.p99),
      c.p_value < 0.0001 ? '<0.0001' : c.p_value.toFixed(4),
      c.verdict,
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

export function compareCommand(cli: Command): void {
  cli
    .command('compare')
    .description(
      'compare two results (or two variants of one) with bootstrap intervals and a rank test; exit 1 on --fail-on',
    )
    .argument('<baseline>', 'result.json (or its folder)')
    .argument('[candidate]', 'result.json (or its folder); default: the baseline, to compare two of its variants')
    .option('--baseline-variant <name>', 'compare this variant of the baseline…')
    .option('--candidate-variant <name>', '…with this variant of the candidate')
    .option(
      '--fail-on <rule>',
      'e.g. "ttft_ms.p99>+10%" (significant change beyond it) or "ttft_ms.p99>500"; repeatable',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--format <f>', 'table | md | json', 'table')
    .option('--force', 'compare results of different scenarios')
    .option('--seed <n>', 'seed of the bootstrap', intArg('--seed', 0), 1)
    .option('--no-requests', "resample the histograms even where requests.jsonl has each request's exact values")
    .action(async function (this: Command, baseFile: string, candFile: string | undefined, flags: CompareFlags) {
      if (!['table', 'md', 'json'].includes(flags.format))
        this.error(`error: --format must be table, md or json, got ${flags.format}`, { exitCode: 2 });
      let outcome: CompareOutcome;
      try {
        outcome = await compareResults(baseFile, candFile, flags);
      } catch (err) {
        if (err instanceof CompareError || err instanceof ResultFileError)
          return this.error(`error: ${err.message}`, { exitCode: 2 });
        throw err;
      }
      const { comparisons, failures, warnings } = outcome;
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      const rs = rows(comparisons);
      const note = sourceNote(comparisons);
      if (flags.format === 'json')
        process.stdout.write(
          `${JSON.stringify({ baseline: baseFile, candidate: candFile ?? baseFile, comparisons, failures }, null, 2)}\n`,
        );
      else process.stdout.write(`${flags.format === 'md' ? markdown(rs) : table(rs)}\n\n${note}\n`);
      for (const f of failures) {
        process.stderr.write(
          `fail: ${f.rule}: ${f.variant} ${f.metric} ${f.stat} ${num(f.baseline)} → ${num(f.candidate)} (${pct(f.change)}, 95% CI ${ci(f.ci95)}, p=${f.p_value})\n`,
        );
      }
      // A GitHub Actions job shows this file as the job's summary page.
      const summary = process.env.GITHUB_STEP_SUMMARY;
      if (summary)
        appendFileSync(
          summary,
          `\n### wirebench compare\n\n${markdown(rs)}\n\n${note}\n${failures.map((f) => `\n- **fail** \`${f.rule}\`: ${f.variant} ${f.metric} ${pct(f.change)}`).join('')}\n`,
        );
      if (failures.length > 0) process.exitCode = 1;
    });
}
