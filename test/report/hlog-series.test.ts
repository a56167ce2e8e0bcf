import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { encodeHistogram, newHistogram, SCALE } from '../../src/metrics/histogram.js';
import { MAX_WINDOWS, MIN_SAMPLES, readIntervalSeries, ReportInputError } from '../../src/report/hlog-series.js';
import { tempDir } from '../cli/helpers.js';

/** An interval log as `run --hdr-log` writes it: interval k holds `values(k)` (ms) under `tag`. */
function writeLog(file: string, n: number, values: (k: number) => number[]): void {
  const lines = [
    '#[Histogram log format version 1.3]',
    '#[StartTime: 1795689043.981 (seconds since epoch), 2026-11-26T10:30:43.981Z]',
    '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
  ];
  for (let k = 0; k < n; k++) {
    for (const tag of ['ttft_ms', 'itl_ms']) {
      const h = newHistogram();
      const vs = tag === 'itl_ms' ? values(k) : [1];
      for (const v of vs) h.recordValue(Math.round(v * SCALE));
      lines.push(`Tag=${tag},${(k * 0.5).toFixed(3)},0.500,${Math.max(...vs).toFixed(3)},${encodeHistogram(h)}`);
    }
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

/** Histogram precision: a value is reported as the top of its bucket, at most 0.1% above it. */
const within = (got: number, want: number): boolean => got >= want && got <= want * 1.001 + 0.001;

describe('percentiles per interval from an interval log', () => {
  it('one point per interval, at its middle, with that interval’s own p50 and p99', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'v.hlog');
      // Interval k: 100 samples (MIN_SAMPLES: each interval is a window) 1..100 ms scaled by k + 1.
      writeLog(file, 5, (k) => Array.from({ length: 100 }, (_, i) => (i + 1) * (k + 1)));
      const both = await readIntervalSeries(file, ['itl_ms', 'ttft_ms']);
      const s = both.get('itl_ms')!;
      expect(s.p50.map(([t]) => t)).toEqual([0.25, 0.75, 1.25, 1.75, 2.25]);
      s.p50.forEach(([, v], k) => expect(v).toBeCloseTo(50 * (k + 1), 0));
      s.p99.forEach(([, v], k) => expect(v).toBeCloseTo(99 * (k + 1), 0));
      // Read in the same passes, each tag adds up its own lines: one 1 ms sample per interval, so all five
      // make one window (fewer than 100 samples: a p50, no p99).
      expect(both.get('ttft_ms')).toEqual({ p50: [[1.25, 1]], p99: [] });
    } finally {
      cleanup();
    }
  });

  it('a long log is added up into at most MAX_WINDOWS windows whose percentiles are exact, not averaged', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'v.hlog');
      const n = MAX_WINDOWS * 3;
      // Interval k: MIN_SAMPLES values k+1 ms. A window of three holds three such blocks; its p50 is the
      // middle one's value, its p99 the last one's: not the mean of the intervals' percentiles.
      writeLog(file, n, (k) => new Array<number>(MIN_SAMPLES).fill(k + 1));
      const s = (await readIntervalSeries(file, ['itl_ms'])).get('itl_ms')!;
      expect(s.p50).toHaveLength(MAX_WINDOWS);
      s.p50.forEach(([t, v], w) => {
        expect(t).toBeCloseTo(w * 1.5 + 0.75, 6);
        expect(within(v, 3 * w + 2)).toBe(true);
      });
      s.p99.forEach(([, v], w) => expect(within(v, 3 * w + 3)).toBe(true));
    } finally {
      cleanup();
    }
  });

  it('windows grow until they hold enough samples for a p99; a trailing remainder gets its p50 only', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'v.hlog');
      // 25 samples per interval, 10 intervals: windows of 4 (100 samples), and 2 intervals left over.
      writeLog(file, 10, () => Array.from({ length: 25 }, (_, i) => i + 1));
      const s = (await readIntervalSeries(file, ['itl_ms'])).get('itl_ms')!;
      expect(s.p50.map(([t]) => t)).toEqual([1, 3, 4.5]);
      expect(s.p99.map(([t]) => t)).toEqual([1, 3]);
    } finally {
      cleanup();
    }
  });

  it('a damaged histogram is an error naming the file and line', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'v.hlog');
      writeFileSync(
        file,
        '#[StartTime: 1 (seconds since epoch), x]\nTag=itl_ms,0.000,0.500,1.000,HISTFAAAnotbase64!\n',
      );
      await expect(readIntervalSeries(file, ['itl_ms'])).rejects.toThrow(ReportInputError);
      await expect(readIntervalSeries(file, ['itl_ms'])).rejects.toThrow(`${file}:2:`);
    } finally {
      cleanup();
    }
  });
});
