import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

import { decodeHistogram, type Histogram, newHistogram, SCALE } from '../metrics/histogram.js';

/** Percentiles of one metric per time window: [window middle, s since the log's StartTime, value]. */
export interface IntervalSeries {
  p50: [number, number][];
  p99: [number, number][];
}

/** Windows per chart: enough for the eye, and each a sum of whole intervals, so still exact percentiles. */
export const MAX_WINDOWS = 400;
/**
 * Samples a window needs before its p99 means more than "the largest of a few": 100 puts the p99 one
 * sample below the maximum. Windows grow until they hold that many.
 */
export const MIN_SAMPLES = 100;

/** An interval log that cannot be read: the report names the file and line instead of crashing. */
export class ReportInputError extends Error {}

const LINE = /^Tag=([^,]+),([\d.]+),([\d.]+),[\d.]+,(HISTF\S+)$/;

export interface IntervalLine {
  tag: string;
  start: number;
  length: number;
  hist: string;
  /** Line number, for errors. */
  at: number;
}

const START = /^#\[StartTime: ([\d.]+) /;

/** A file's lines; its stream is closed however the reader stops (a merge may stop at a damaged line). */
async function* textLines(file: string): AsyncGenerator<string> {
  const input = createReadStream(file);
  try {
    yield* createInterface({ input, crlfDelay: Infinity });
  } finally {
    input.destroy();
  }
}

/** The interval lines of a log, in file order; only those of `tags` when given. */
export async function* intervalLines(file: string, tags?: ReadonlySet<string>): AsyncGenerator<IntervalLine> {
  let at = 0;
  for await (const text of textLines(file)) {
    at++;
    const m = LINE.exec(text);
    if (m !== null && (tags === undefined || tags.has(m[1])))
      yield { tag: m[1], start: Number(m[2]), length: Number(m[3]), hist: m[4], at };
  }
}

/** The log's StartTime in ms since the epoch: what its interval start times count from. */
export async function logStartMs(file: string): Promise<number> {
  for await (const text of textLines(file)) {
    const m = START.exec(text);
    if (m !== null) return Math.round(Number(m[1]) * 1000);
    if (text.startsWith('Tag=')) break;
  }
  throw new ReportInputError(`${file}: no #[StartTime: …] line before the first interval`);
}

export function decodeAt(file: string, line: { hist: string; at: number }): Histogram {
  try {
    return decodeHistogram(line.hist);
  } catch (err) {
    throw new ReportInputError(`${file}:${line.at}: not an HdrHistogram interval (${(err as Error).message})`);
  }
}

/** One metric's windows as they are added up: at least `per` intervals and MIN_SAMPLES samples each. */
class Windows {
  readonly out: IntervalSeries = { p50: [], p99: [] };
  private sum: Histogram = newHistogram();
  private from = 0;
  private to = 0;
  private k = 0;

  constructor(private readonly per: number) {}

  add(line: IntervalLine, h: Histogram): void {
    if (this.k === 0) this.from = line.start;
    this.sum.add(h);
    this.to = line.start + line.length;
    if (++this.k >= this.per && this.sum.totalCount >= MIN_SAMPLES) this.flush();
  }

  flush(): void {
    if (this.sum.totalCount === 0) return;
    const mid = Math.round(((this.from + this.to) / 2) * 1000) / 1000;
    this.out.p50.push([mid, this.sum.getValueAtPercentile(50) / SCALE]);
    if (this.sum.totalCount >= MIN_SAMPLES) this.out.p99.push([mid, this.sum.getValueAtPercentile(99) / SCALE]);
    this.sum = newHistogram();
    this.k = 0;
  }
}

/**
 * Metrics' p50 and p99 over time from an HdrHistogram interval log (`run --hdr-log`). Consecutive
 * intervals are added (histograms add exactly) into windows of at least MIN_SAMPLES samples, and into at
 * most MAX_WINDOWS of them on a long run, so each point is a true percentile of its window — never an
 * average of percentiles, nor a p99 of five samples. A trailing window too small for a p99 gets its p50
 * only. Two passes over the file for all `tags` together (count, then add) keep memory to one histogram
 * per tag.
 */
export async function readIntervalSeries(file: string, tags: readonly string[]): Promise<Map<string, IntervalSeries>> {
  const wanted = new Set(tags);
  const counts = new Map(tags.map((t) => [t, 0]));
  for await (const line of intervalLines(file, wanted)) counts.set(line.tag, counts.get(line.tag)! + 1);
  const windows = new Map(tags.map((t) => [t, new Windows(Math.max(1, Math.ceil(counts.get(t)! / MAX_WINDOWS)))]));
  for await (const line of intervalLines(file, wanted)) windows.get(line.tag)!.add(line, decodeAt(file, line));
  const out = new Map<string, IntervalSeries>();
  for (const [tag, w] of windows) {
    w.flush();
    out.set(tag, w.out);
  }
  return out;
}
