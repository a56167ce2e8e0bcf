import type { JsHistogram } from 'hdr-histogram-js';
import { decodeFromCompressedBase64, encodeIntoCompressedBase64, Int32Histogram } from 'hdr-histogram-js';

/** The JS (not wasm) implementation: index-level access to the counts is what exact merging needs. */
export type Histogram = JsHistogram;

/**
 * Every metric is recorded as round(value × SCALE) of its reported unit: integer microseconds for the
 * millisecond metrics, milli-tokens/s for decode_tps.
 */
export const SCALE = 1000;

/** One hour in microseconds: no single latency a benchmark reports is longer. */
export const HIGHEST_TRACKABLE = 3_600_000_000;

/**
 * The layout of every histogram here: 3 significant digits (2048 sub-buckets, half of them per bucket
 * after the first), lowest discernible value 1, 22 buckets to cover HIGHEST_TRACKABLE. Fixed, without
 * auto-resize, so that every histogram of a run, in any worker or shard, has the same counts array and
 * merging is an element-wise sum.
 */
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
export const COUNTS_LENGTH = 23 * SUB_BUCKET_HALF_COUNT;

export function newHistogram(): Histogram {
  // Int32Histogram is what build({ bitBucketSize: 32, useWebAssembly: false }) constructs, typed as such.
  const h = new Int32Histogram(1, HIGHEST_TRACKABLE, 3);
  h.autoResize = false;
  return h;
}

/**
 * The counts-array index of an integer value in [0, 2^32), as HdrHistogram's `countsArrayIndex` computes
 * it. The library's version costs ~200 ns (floating-point log2 and pow); this one a few ns, and it runs
 * once per token.
 */
export function countsIndex(value: number): number {
  const bucket = Math.max(31 - Math.clz32(value) - SUB_BUCKET_HALF_COUNT_MAGNITUDE, 0);
  return ((bucket + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + (value >>> bucket) - SUB_BUCKET_HALF_COUNT;
}

/** The lowest value counted at `index` (HdrHistogram's `valueFromIndex`). */
export function indexValue(index: number): number {
  let bucket = Math.floor(index / SUB_BUCKET_HALF_COUNT) - 1;
  let sub = (index % SUB_BUCKET_HALF_COUNT) + SUB_BUCKET_HALF_COUNT;
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/**
 * A histogram holding `counts` (indexed by `countsIndex`). Each count is placed at the highest value of
 * its bucket, the value HdrHistogram reports for percentiles and for the max of a decoded histogram.
 */
export function histogramFromCounts(counts: Uint32Array): Histogram {
  const h = newHistogram();
  for (let i = 0; i < COUNTS_LENGTH; i++) {
    if (counts[i] > 0) h.recordValueWithCount(indexValue(i + 1) - 1, counts[i]);
  }
  return h;
}

/** Adds the counts of `h` (any layout whose values fit this one's range) into `counts`. */
export function addCounts(counts: Uint32Array, h: Histogram): void {
  const same = newHistogram();
  same.add(h);
  for (let i = 0; i < COUNTS_LENGTH; i++) counts[i] += same.getCountAtIndex(i);
}

/** HdrHistogram V2 compressed base64, readable by the Java and Python HdrHistogram libraries. */
export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

export function decodeHistogram(s: string): Histogram {
  // Without WebAssembly the decoder always builds a JsHistogram; its declared type is the interface.
  return decodeFromCompressedBase64(s, 32, false) as Histogram;
}
