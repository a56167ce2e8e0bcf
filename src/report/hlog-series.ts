import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeHistogram, newHistogram, SCALE, type Histogram } from '../metrics/histogram.js';

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

async function* intervalLines(file: string, tag: string): AsyncGenerator<{ start: number; length: number; hist: string; at: number }> {
  let at = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    at++;
    const m = LINE.exec(text);
    if (m !== null && m[1] === tag) yield { start: Number(m[2]), length: Number(m[3]), hist: m[4], at };
  }
}

function decodeAt(file: string, line: { hist: string; at: number }): Histogram {
  try {
    return decodeHistogram(line.hist);
  } catch (err) {
    throw new ReportInputError(`${file}:${line.at}: not an HdrHistogram interval (${(err as Error).message})`);
  }
}

/**
 * A metric's p50 and p99 over time from an HdrHistogram interval log (`run --hdr-log`). Consecutive
 * intervals are added (histograms add exactly) into windows of at least MIN_SAMPLES samples, and into at
 * most MAX_WINDOWS of them on a long run, so each point is a true percentile of its window — never an
 * average of percentiles, nor a p99 of five samples. A trailing window too small for a p99 gets its p50
 * only. Two passes over the file (count, then add) keep memory to one histogram.
 */
export async function readIntervalSeries(file: string, tag: string): Promise<IntervalSeries> {
  let n = 0;
  for await (const _ of intervalLines(file, tag)) n++;
  const per = Math.max(1, Math.ceil(n / MAX_WINDOWS));
  const out: IntervalSeries = { p50: [], p99: [] };
  let sum: Histogram = newHistogram();
  let from = 0;
  let to = 0;
  let k = 0;
  const flush = (): void => {
    if (sum.totalCount === 0) return;
    const mid = Math.round(((from + to) / 2) * 1000) / 1000;
    out.p50.push([mid, sum.getValueAtPercentile(50) / SCALE]);
    if (sum.totalCount >= MIN_SAMPLES) out.p99.push([mid, sum.getValueAtPercentile(99) / SCALE]);
    sum = newHistogram();
    k = 0;
  };
  for await (const line of intervalLines(file, tag)) {
    if (k === 0) from = line.start;
    sum.add(decodeAt(file, line));
    to = line.start + line.length;
    if (++k >= per && sum.totalCount >= MIN_SAMPLES) flush();
  }
  flush();
  return out;
}
