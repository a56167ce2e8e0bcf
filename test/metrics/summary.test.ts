import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { HIGHEST_TRACKABLE, newHistogram } from '../../src/metrics/histogram.js';
import { summarize } from '../../src/metrics/summary.js';

const value = fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: HIGHEST_TRACKABLE }));
const sample = fc.array(value, { minLength: 1, maxLength: 400 });

/** Percentiles in tenths, so ranks are computed in exact integer arithmetic. */
const PERCENTILES = [
  ['p50', 500],
  ['p90', 900],
  ['p95', 950],
  ['p99', 990],
  ['p999', 999],
] as const;

/** HdrHistogram's definition: the value at rank ceil(p/100 · n), ranks from 1. */
function exactPercentile(sorted: readonly number[], tenths: number): number {
  const rank = Math.max(1, Math.floor((tenths * sorted.length + 999) / 1000));
  return sorted[rank - 1];
}

/** 3 significant digits: a bucket is at most 1/1024 of its values wide; +1 µs for the 3-decimal report. */
function tolerance(exactMicros: number): number {
  return 0.001 * exactMicros + 1;
}

function expectClose(reportedMs: number, exactMicros: number, tol = tolerance(exactMicros)): void {
  expect(Math.abs(reportedMs * 1000 - exactMicros)).toBeLessThanOrEqual(tol);
}

describe('summarize', () => {
  it('matches the exact statistics of the sample within histogram precision', () => {
    fc.assert(
      fc.property(sample, (values) => {
        const h = newHistogram();
        for (const v of values) h.recordValue(v);
        const s = summarize(h);
        const sorted = [...values].sort((a, b) => a - b);
        const n = values.length;
        const mean = values.reduce((a, b) => a + b, 0) / n;
        const stdev = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
        const max = sorted[n - 1];

        expect(s.count).toBe(n);
        expectClose(s.min, sorted[0]);
        expectClose(s.max, max);
        for (const [key, tenths] of PERCENTILES) expectClose(s[key], exactPercentile(sorted, tenths));
        expectClose(s.mean, mean);
        // Each sample moves by at most half its bucket, so the stdev moves by at most that much of the
        // largest sample: bounded relative to the max, not to the (possibly tiny) stdev itself.
        expectClose(s.stdev, stdev, tolerance(max));
      }),
    );
  });

  it('computes mean and stdev as HdrHistogram does', () => {
    fc.assert(
      fc.property(sample, (values) => {
        const h = newHistogram();
        for (const v of values) h.recordValue(v);
        const s = summarize(h);
        expect(s.mean).toBe(Math.round(h.mean) / 1000);
        expect(Math.abs(s.stdev - Math.round(h.stdDeviation) / 1000)).toBeLessThanOrEqual(0.001);
      }),
      { numRuns: 20 },
    );
  });

  it('reports in the unit above the recorded one, with 3 decimals', () => {
    const h = newHistogram();
    // Below 2048 every value has its own bucket, so the statistics are exact.
    for (const v of [1234, 1234, 1900]) h.recordValue(v);
    const s = summarize(h);
    expect(s).toMatchObject({ count: 3, min: 1.234, p50: 1.234, p90: 1.9, max: 1.9, mean: 1.456 });
    expect(s.hdr.startsWith('HISTF')).toBe(true);
  });

  it('reports a wide bucket by its highest value, as HdrHistogram does', () => {
    const h = newHistogram();
    h.recordValue(5678);
    expect(summarize(h)).toMatchObject({ p50: 5.679, max: 5.679, min: 5.676 });
  });

  it('summarizes an empty histogram as zeros', () => {
    expect(summarize(newHistogram())).toMatchObject({ count: 0, min: 0, mean: 0, p50: 0, max: 0 });
  });
});
