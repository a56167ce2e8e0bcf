import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';

import { type Histogram, newHistogram } from '../metrics/histogram.js';
import { intervalLine, logHeader } from '../metrics/interval-log-format.js';
import { decodeAt, type IntervalLine, intervalLines, logStartMs } from '../report/hlog-series.js';

/** The merged logs, by variant key, as file names beside the merged result; and what was left out. */
export interface MergedLogs {
  files: Record<string, string>;
  warnings: string[];
}

/**
 * The interval the shards ticked at: the median length in the first log that has intervals (its last
 * one is partial); a shard that measured nothing of the variant writes only the header.
 */
async function intervalOf(files: readonly string[]): Promise<number> {
  for (const file of files) {
    const lengths: number[] = [];
    for await (const line of intervalLines(file)) lengths.push(line.length);
    if (lengths.length === 0) continue;
    lengths.sort((a, b) => a - b);
    return lengths[Math.floor(lengths.length / 2)];
  }
  // No intervals anywhere: the merged log is the header alone, whatever the window.
  return 1;
}

/** One shard's lines on the merged clock: each interval lands in the window holding its middle. */
class Shard {
  private readonly lines: AsyncGenerator<IntervalLine>;
  next: IntervalLine | undefined;

  constructor(
    readonly file: string,
    private readonly offsetS: number,
    private readonly windowS: number,
  ) {
    this.lines = intervalLines(file);
  }

  async advance(): Promise<void> {
    const r = await this.lines.next();
    this.next = r.done === true ? undefined : r.value;
  }

  /** Stops reading early (a merge that failed): the file is closed. */
  async stop(): Promise<void> {
    await this.lines.return(undefined);
  }

  /** The merged window of the pending line. */
  window(): number {
    const line = this.next!;
    return Math.floor((this.offsetS + line.start + line.length / 2) / this.windowS);
  }
}

/**
 * Adds the shards' `.hlog` files of one variant into one log on a common clock: StartTime is the
 * earliest shard's, and each window of the shards' own interval length holds the sum of every shard's
 * interval whose middle falls in it (an interval moves by at most half its length). Histograms add
 * exactly, so each window's percentiles are those of all its samples. The files are read side by side
 * in time order and written as they go, holding one histogram per metric.
 */
async function mergeLogs(files: readonly string[], out: string, title: string): Promise<void> {
  const starts = await Promise.all(files.map(logStartMs));
  const origin = Math.min(...starts);
  const windowS = await intervalOf(files);
  const shards = files.map((f, i) => new Shard(f, (starts[i] - origin) / 1000, windowS));
  await Promise.all(shards.map((s) => s.advance()));
  const sink = createWriteStream(out);
  const write = async (text: string): Promise<void> => {
    if (!sink.write(text)) await once(sink, 'drain');
  };
  try {
    await write(logHeader(title, origin));
    for (;;) {
      const live = shards.filter((s) => s.next !== undefined);
      if (live.length === 0) break;
      const w = Math.min(...live.map((s) => s.window()));
      const sums = new Map<string, Histogram>();
      for (const s of live) {
        while (s.next !== undefined && s.window() <= w) {
          let sum = sums.get(s.next.tag);
          if (sum === undefined) sums.set(s.next.tag, (sum = newHistogram()));
          sum.add(decodeAt(s.file, s.next));
          await s.advance();
        }
      }
      for (const [tag, h] of [...sums].sort(([a], [b]) => a.localeCompare(b)))
        await write(intervalLine(tag, w * windowS, windowS, h));
    }
    sink.end();
    await finished(sink);
  } catch (err) {
    // A half-written log must not pass for the merge; and the stream, still opening, must not report
    // its own error later to nobody.
    sink.destroy();
    await finished(sink).catch(() => {});
    await Promise.all(shards.map((s) => s.stop()));
    await rm(out, { force: true });
    throw err;
  }
}

/**
 * The merged interval log of every variant (`keys`, e.g. `step0.ws`) whose log every shard wrote, as
 * `<stem>.<key>.hlog` in `outDir`: named after the merged result, so a shard's own logs in the same
 * folder are never overwritten nor taken for the whole. Without a stem (a run's own workers), `<key>.hlog`.
 */
export async function mergeIntervalLogs(
  shardDirs: readonly string[],
  keys: readonly string[],
  outDir: string,
  stem?: string,
  /** What the folders are the logs of, for titles and warnings. */
  parts: 'shards' | 'workers' = 'shards',
): Promise<MergedLogs> {
  const merged: MergedLogs = { files: {}, warnings: [] };
  for (const key of keys) {
    const files = shardDirs.map((d) => path.join(d, `${key}.hlog`));
    const present = files.filter((f) => existsSync(f));
    if (present.length === 0) continue;
    if (present.length < files.length) {
      merged.warnings.push(
        `${key}: only ${present.length} of ${files.length} ${parts} wrote an interval log (--hdr-log); none merged, a part would pass for the whole`,
      );
      continue;
    }
    const name = stem === undefined ? `${key}.hlog` : `${stem}.${key}.hlog`;
    await mergeLogs(present, path.join(outDir, name), `merge of ${files.length} ${parts}, ${key}`);
    merged.files[key] = name;
  }
  return merged;
}
