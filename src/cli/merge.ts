import { mkdirSync } from 'node:fs';
import path from 'node:path';

import type { Command } from 'commander';

import { ReportInputError } from '../report/hlog-series.js';
import { chartGroups } from '../report/report-charts.js';
import { renderSummary } from '../report/terminal.js';
import { readResult, ResultFileError, resultPath } from '../result/read.js';
import type { Result } from '../result/result.js';
import { describeThreshold } from '../result/thresholds.js';
import { MergeError, mergeResults } from '../run/merge.js';
import { mergeIntervalLogs } from '../run/merge-hlog.js';
import { writeFileAtomic } from '../shared/atomic-file.js';

export function mergeCommand(cli: Command): void {
  cli
    .command('merge')
    .description(
      'add the results of `run --shard i/n` into one result: histograms added exactly, percentiles recomputed, claims and thresholds checked again; --hdr-log interval logs added on one clock',
    )
    .argument('<results...>', 'shard result.json files (or their folders)')
    .requiredOption('--out <file>', 'where to write the merged result.json')
    .option('--quiet', 'print nothing')
    .action(async function (this: Command, files: string[], flags: { out: string; quiet?: boolean }) {
      const outDir = path.dirname(path.resolve(flags.out));
      let merged: Result;
      try {
        merged = mergeResults(files.map(readResult));
        mkdirSync(outDir, { recursive: true });
        const keys = chartGroups(merged).flatMap((g) => g.variants.map((v) => g.prefix + v.name));
        const shardDirs = files.map((f) => path.dirname(resultPath(f)));
        const logs = await mergeIntervalLogs(shardDirs, keys, outDir, path.basename(flags.out, '.json'));
        if (Object.keys(logs.files).length > 0) merged.interval_logs = logs.files;
        merged.warnings.push(...logs.warnings);
      } catch (err) {
        if (err instanceof MergeError || err instanceof ResultFileError || err instanceof ReportInputError) {
          return this.error(`error: ${err.message}`, { exitCode: 2 });
        }
        throw err;
      }
      await writeFileAtomic(flags.out, `${JSON.stringify(merged, null, 2)}\n`);
      if (!flags.quiet) process.stdout.write(`${renderSummary(merged)}\nmerged: ${flags.out}\n`);
      // As after `run`: a threshold the whole run fails is its verdict (exit 1), even with --quiet.
      const failed = (merged.thresholds ?? []).filter((t) => !t.ok);
      for (const t of failed) process.stderr.write(`threshold failed: ${describeThreshold(t, merged.steps)}\n`);
      if (failed.length > 0) process.exitCode = 1;
    });
}
