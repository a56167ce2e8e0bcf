import fc from 'fast-check';
import { JsHistogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';

import type { Histogram } from '../../src/metrics/histogram.js';
import {
  addCounts,
  COUNTS_LENGTH,
  countsIndex,
  decodeHistogram,
  encodeHistogram,
  HIGHEST_TRACKABLE,
  histogramFromCounts,
  indexValue,
  newHistogram,
} from '../../src/metrics/histogram.js';
import { summarize } from '../../src/metrics/summary.js';

/** Recorded values: mostly small (single-unit buckets), some across the whole range (wide buckets). */
const value = fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: HIGHEST_TRACKABLE }));
const sample = fc.array(value, { minLength: 1, maxLength: 300 });

function histogramOf(values: readonly number[]): Histogram {
  const h = newHistogram();
  for (const v of values) h.recordValue(v);
  return h;
}

function countsAt(h: Histogram, values: readonly number[]): number[] {
  return values.map((v) => h.getCountAtIndex(h.countsArrayIndex(v)));
}

/** [index, count] of the non-empty buckets: deep-comparing 23k-element arrays is slow. */
function nonZero(counts: Uint32Array): [number, number][] {
  const out: [number, number][] = [];
  counts.forEach((c, i) => {
    if (c > 0) out.push([i, c]);
  });
  return out;
}

describe('histogram', () => {
  it('is the JS implementation with the fixed layout', () => {
    const h = newHistogram();
    expect(h).toBeInstanceOf(JsHistogram);
    expect(h.highestTrackableValue).toBe(HIGHEST_TRACKABLE);
    expect(h.numberOfSignificantValueDigits).toBe(3);
    expect(h.autoResize).toBe(false);
  });

  it('computes the library layout: counts index, bucket values, array length', () => {
    const h = newHistogram();
    expect(h.countsArrayLength).toBe(COUNTS_LENGTH);
    const wrong: number[] = [];
    for (let i = 0; i < COUNTS_LENGTH; i++) if (indexValue(i) !== h.valueFromIndex(i)) wrong.push(i);
    expect(wrong).toEqual([]);
    for (const v of [0, 1, 1023, 1024, 2047, 2048, 2049, 4095, 4096, HIGHEST_TRACKABLE, 2 ** 32 - 1]) {
      expect(countsIndex(v)).toBe(h.countsArrayIndex(v));
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (v) => {
        expect(countsIndex(v)).toBe(h.countsArrayIndex(v));
      }),
      { numRuns: 10_000 },
    );
  });

  it('converts counts to a histogram and back without losing any', () => {
    fc.assert(
      fc.property(sample, (values) => {
        const counts = new Uint32Array(COUNTS_LENGTH);
        for (const v of values) counts[countsIndex(v)]++;
        const h = histogramFromCounts(counts);
        expect(encodeHistogram(h)).toBe(encodeHistogram(histogramOf(values)));
        expect(summarize(h)).toEqual(summarize(histogramOf(values)));
        const back = new Uint32Array(COUNTS_LENGTH);
        addCounts(back, decodeHistogram(encodeHistogram(h)));
        expect(nonZero(back)).toEqual(nonZero(counts));
      }),
    );
  });

  it('encodes as HdrHistogram V2 compressed base64', () => {
    const enc = encodeHistogram(histogramOf([1, 2, 3]));
    // "HISTF" is the base64 of the V2 compressed cookie 0x1c849314 that the Java/Python decoders check.
    expect(enc.startsWith('HISTF')).toBe(true);
    expect(Buffer.from(enc, 'base64').readUInt32BE(0)).toBe(0x1c849314);
  });

  it('roundtrips every count through encode/decode', () => {
    fc.assert(
      fc.property(sample, (values) => {
        const h = histogramOf(values);
        const d = decodeHistogram(encodeHistogram(h));
        expect(d.totalCount).toBe(values.length);
        expect(countsAt(d, values)).toEqual(countsAt(h, values));
        expect(encodeHistogram(d)).toBe(encodeHistogram(h));
        expect(summarize(d)).toEqual(summarize(h));
      }),
    );
  });

  it('merges exactly: a + b equals the histogram of a ++ b', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const merged = histogramOf(a);
        merged.add(decodeHistogram(encodeHistogram(histogramOf(b))));
        const whole = histogramOf([...a, ...b]);
        expect(merged.totalCount).toBe(whole.totalCount);
        expect(countsAt(merged, [...a, ...b])).toEqual(countsAt(whole, [...a, ...b]));
        expect(summarize(merged)).toEqual(summarize(whole));
      }),
    );
  });
});
