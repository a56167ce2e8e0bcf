import { appendFileSync } from 'node:fs';

import type { Command } from 'commander';

import { renderTrendHtml } from '../report/trend-html.js';
import { trendMarkdown, trendText } from '../report/trend-text.js';
import { ResultFileError } from '../result/read.js';
import { writeFileAtomic } from '../shared/atomic-file.js';
import { TREND_METRICS, TrendError, trendOf, type TrendOutcome } from '../stats/trend.js';

interface TrendFlags {
  metric: string[];
  format: 'table' | 'md';
  html?: string;
  force?: boolean;
  /** False with --no-requests. */
  requests: boolean;
}

export function trendCommand(cli: Command): void {
  cli
    .command('trend')
    .description(
      "the history of a scenario's runs: p50 and p99 per variant and metric, run by run, each change from the run before judged as compare judges it",
    )
    .argument('<results...>', 'result.json files, result folders, or folders holding result folders')
    .option(
      '--metric <name>',
      `only this metric (repeatable; default ${TREND_METRICS.join(', ')})`,
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--format <f>', 'table | md', 'table')
    .option('--html <file>', 'also write an HTML page with a chart per metric')
    .option('--force', 'follow results of different scenarios')
    .option('--no-requests', "resample the histograms even where requests.jsonl has each request's exact values")
    .action(async function (this: Command, files: string[], flags: TrendFlags) {
      if (!['table', 'md'].includes(flags.format))
        this.error(`error: --format must be table or md, got ${flags.format}`, { exitCode: 2 });
      let outcome: TrendOutcome;
      try {
        outcome = await trendOf(files, { metrics: flags.metric, force: flags.force, requests: flags.requests });
      } catch (err) {
        if (err instanceof TrendError || err instanceof ResultFileError)
          return this.error(`error: ${err.message}`, { exitCode: 2 });
        throw err;
      }
      for (const w of outcome.warnings) process.stderr.write(`warning: ${w}\n`);
      if (flags.html !== undefined) {
        try {
          await writeFileAtomic(flags.html, renderTrendHtml(outcome));
        } catch (err) {
          // A path that cannot be written is the user's to fix, not a bug.
          const code = (err as NodeJS.ErrnoException).code;
          if (typeof code !== 'string') throw err;
          return this.error(`error: --html ${flags.html}: cannot write it (${code})`, { exitCode: 2 });
        }
        process.stderr.write(`wrote ${flags.html}\n`);
      }
      process.stdout.write(flags.format === 'md' ? trendMarkdown(outcome) : trendText(outcome));
      // A GitHub Actions job shows this file as the job's summary page.
      const summary = process.env.GITHUB_STEP_SUMMARY;
      if (summary) appendFileSync(summary, `\n### wirebench trend\n\n${trendMarkdown(outcome)}`);
    });
}
