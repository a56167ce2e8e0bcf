import { appendFileSync } from 'node:fs';

import type { Command } from 'commander';

import { ResultFileError } from '../result/read.js';
import { COMPARE_STATS, INTERVAL_STATS, type MetricComparison } from '../stats/compare.js';
import { CompareError, type CompareOutcome, compareResults } from '../stats/compare-results.js';
import { intArg } from './args.js';
import { markdownReport, rows, ruleLine, sideOf, sidesLines, textReport } from './compare-output.js';

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
      'METRIC.STAT>+N% (a significant change beyond it) or METRIC.STAT>N (a limit), > or <; STAT: ' +
        `${COMPARE_STATS.join(', ')} (relative: ${INTERVAL_STATS.join(', ')}); or errors.rate>N; repeatable`,
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
      const { comparisons, rules: outcomes, warnings } = outcome;
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      const sides = {
        baseline: sideOf(baseFile, outcome.baseline),
        candidate: sideOf(candFile ?? baseFile, outcome.candidate),
      };
      const rs = rows(comparisons);
      const note = sourceNote(comparisons);
      const heading = sidesLines(sides.baseline, sides.candidate);
      if (flags.format === 'json') {
        process.stdout.write(`${JSON.stringify({ ...sides, comparisons, rules: outcomes }, null, 2)}\n`);
        // Where stdout is for a program, the log still says why the job failed.
        for (const o of outcomes) if (!o.ok) process.stderr.write(`${ruleLine(o)}\n`);
      } else if (flags.format === 'md') process.stdout.write(`${markdownReport(heading, rs, note, outcomes)}\n`);
      else process.stdout.write(`${textReport(heading, rs, note, outcomes)}\n`);
      // A GitHub Actions job shows this file as the job's summary page.
      const summary = process.env.GITHUB_STEP_SUMMARY;
      if (summary)
        appendFileSync(summary, `\n### wirebench compare\n\n${markdownReport(heading, rs, note, outcomes)}\n`);
      if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
    });
}
