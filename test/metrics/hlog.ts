import { readFileSync } from 'node:fs';

import { HistogramLogReader, listTags } from 'hdr-histogram-js';
import { expect } from 'vitest';

import { COUNTS_LENGTH, type Histogram, newHistogram } from '../../src/metrics/histogram.js';

export interface LoggedInterval {
  tag: string;
  /** As written: seconds since StartTime, and the interval's max in the metric's unit. */
  startS: number;
  lengthS: number;
  max: number;
  h: Histogram;
}

export interface HdrLog {
  /** The `#` comment lines and the legend, in order. */
  header: string[];
  startTimeS: number;
  tags: string[];
  intervals: LoggedInterval[];
}

const LINE = /^Tag=([a-z0-9_]+),(\d+\.\d{3}),(\d+\.\d{3}),(\d+\.\d{3}),HISTF[A-Za-z0-9+/=]+$/;
const START = /^#\[StartTime: (\d+\.\d{3}) \(seconds since epoch\), (\S+)\]$/;

/**
 * Reads an `.hlog` with HdrHistogram's own reader (the histograms and their times) and checks each
 * line's text against the Java writer's format on the way.
 */
export function readHdrLog(file: string): HdrLog {
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  const header = lines.filter((l) => !l.startsWith('Tag='));
  const start = START.exec(header.find((l) => l.startsWith('#[StartTime:')) ?? '');
  if (start === null) throw new Error(`${file}: no StartTime line`);
  const startTimeS = Number(start[1]);
  const reader = new HistogramLogReader(text);
  const intervals = lines
    .filter((l) => l.startsWith('Tag='))
    .map((l): LoggedInterval => {
      const m = LINE.exec(l);
      if (m === null) throw new Error(`${file}: not an interval line: ${l}`);
      const h = reader.nextIntervalHistogram() as Histogram | null;
      if (h === null) throw new Error(`${file}: the reader found fewer intervals than lines`);
      expect(h.tag).toBe(m[1]);
      // BaseTime is StartTime: the reader's absolute times are StartTime + StartTimestamp.
      expect(h.startTimeStampMsec / 1000 - startTimeS).toBeCloseTo(Number(m[2]), 4);
      return { tag: m[1], startS: Number(m[2]), lengthS: Number(m[3]), max: Number(m[4]), h };
    });
  expect(reader.nextIntervalHistogram()).toBeNull();
  return { header, startTimeS, tags: listTags(text), intervals };
}

/** The element-wise sum of a metric's interval histograms, in this project's layout. */
export function sumOf(intervals: readonly LoggedInterval[], tag: string): Histogram {
  const sum = newHistogram();
  for (const i of intervals) if (i.tag === tag) sum.add(i.h);
  return sum;
}

/** Same counts at every index: the exact equality that merging histograms relies on. */
export function expectSameHistogram(actual: Histogram, expected: Histogram, what: string): void {
  expect(actual.totalCount, what).toBe(expected.totalCount);
  for (const p of [0, 50, 90, 99, 99.9, 100]) {
    expect(actual.getValueAtPercentile(p), `${what} p${p}`).toBe(expected.getValueAtPercentile(p));
  }
  const a = newHistogram();
  a.add(actual);
  const e = newHistogram();
  e.add(expected);
  for (let i = 0; i < COUNTS_LENGTH; i++) {
    if (a.getCountAtIndex(i) !== e.getCountAtIndex(i)) expect.fail(`${what}: counts differ at index ${i}`);
  }
}
