import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { MergeError, mergeResults } from '../report/merge.js';
import type { Result } from '../report/result.js';
import { renderSummary } from '../report/terminal.js';
import { describeThreshold } from '../report/thresholds.js';
import { readResult, ResultFileError } from './result-file.js';

export function mergeCommand(cli: Command): void {
  cli
    .command('merge')
    .description(
      'add the results of `run --shard i/n` into one result: histograms added exactly, percentiles recomputed, claims and thresholds checked again',
    )
    .argument('<results...>', 'shard result.json files (or their folders)')
    .requiredOption('--out <file>', 'where to write the merged result.json')
    .option('--quiet', 'print nothing')
    .action(function (this: Command, files: string[], flags: { out: string; quiet?: boolean }) {
      let merged: Result;
      try {
        merged = mergeResults(files.map(readResult));
      } catch (err) {
        if (err instanceof MergeError || err instanceof ResultFileError) return this.error(`error: ${err.message}`, { exitCode: 2 });
        throw err;
      }
      mkdirSync(path.dirname(path.resolve(flags.out)), { recursive: true });
      writeFileSync(flags.out, `${JSON.stringify(merged, null, 2)}\n`);
      if (!flags.quiet) process.stdout.write(`${renderSummary(merged)}\nmerged: ${flags.out}\n`);
      // As after `run`: a threshold the whole run fails is its verdict (exit 1), even with --quiet.
      const failed = (merged.thresholds ?? []).filter((t) => !t.ok);
      for (const t of failed) process.stderr.write(`threshold failed: ${describeThreshold(t, merged.steps)}\n`);
      if (failed.length > 0) process.exitCode = 1;
    });
}
