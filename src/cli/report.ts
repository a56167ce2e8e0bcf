import path from 'node:path';

import type { Command } from 'commander';

import { ReportInputError } from '../report/hlog-series.js';
import { renderMarkdown } from '../report/markdown.js';
import { defaultReports, writeReports } from '../report/report-files.js';
import { readResult, ResultFileError, resultPath } from '../result/read.js';
import type { Result } from '../result/result.js';

interface ReportFlags {
  html?: string;
  md?: string;
}

export function reportCommand(cli: Command): void {
  cli
    .command('report')
    .description('write the markdown and HTML reports of a result (by default report.md and report.html beside it)')
    .argument('<result>', 'result.json, or the result folder holding it')
    .option('--html <file>', 'write the HTML report here (only the reports named are written)')
    .option('--md <file>', 'write the markdown report here ("-" prints it)')
    .action(async function (this: Command, file: string, flags: ReportFlags) {
      let result: Result;
      try {
        result = readResult(file);
      } catch (err) {
        if (err instanceof ResultFileError) return this.error(`error: ${err.message}`, { exitCode: 2 });
        throw err;
      }
      const json = resultPath(file);
      const dir = path.dirname(json);
      const targets = flags.html === undefined && flags.md === undefined ? defaultReports(dir) : flags;
      const toStdout = targets.md === '-';
      try {
        await writeReports(result, dir, { html: targets.html, md: toStdout ? undefined : targets.md });
      } catch (err) {
        // A damaged interval log, or a report path that cannot be written: the user's to fix, not a bug.
        const fsError = typeof (err as NodeJS.ErrnoException).code === 'string';
        if (err instanceof ReportInputError || fsError)
          return this.error(`error: ${(err as Error).message}`, { exitCode: 2 });
        throw err;
      }
      if (toStdout) process.stdout.write(renderMarkdown(result));
      for (const f of [targets.html, toStdout ? undefined : targets.md])
        if (f !== undefined) process.stderr.write(`wrote ${f}\n`);
    });
}
