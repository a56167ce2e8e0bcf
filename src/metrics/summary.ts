import type { MetricSummary } from '../result/result.js';
import type { Histogram } from './histogram.js';
import { encodeHistogram, SCALE } from './histogram.js';

/** Recorded units are thousandths of the reported unit, so 3 decimals keep every recorded digit. */
function fromRecorded(recorded: number): number {
  return Math.round(recorded) / SCALE;
}

/**
 * `counted`: the metric counts whole things (turns), so its order statistics are reported as the
 * integers they were: a bucket is narrower than 0.5 of the unit up to 1000, so rounding is exact.
 */
export function summarize(h: Histogram, counted = false): MetricSummary {
  const { mean, stdev } = moments(h);
  const reported = counted ? (v: number) => Math.round(v / SCALE) : fromRecorded;
  return {
    count: h.totalCount,
    // Percentiles 0 and 100 rather than minNonZeroValue/maxValue: those two are exact right after
    // recording but bucket bounds after a decode, and a summary must not change across a roundtrip.
    min: reported(h.getValueAtPercentile(0)),
    mean: fromRecorded(mean),
    stdev: fromRecorded(stdev),
    p50: reported(h.getValueAtPercentile(50)),
    p90: reported(h.getValueAtPercentile(90)),
    p95: reported(h.getValueAtPercentile(95)),
    p99: reported(h.getValueAtPercentile(99)),
    p999: reported(h.getValueAtPercentile(99.9)),
    max: reported(h.getValueAtPercentile(100)),
    hdr: encodeHistogram(h),
  };
}

/**
 * HdrHistogram's mean and standard deviation (each count at the middle of its bucket), over the non-empty
 * buckets only: the library's `mean` and `stdDeviation` walk every bucket through an iterator, ~10 ms
 * each on this layout.
 */
function moments(h: Histogram): { mean: number; stdev: number } {
  const n = h.totalCount;
  if (n === 0) return { mean: 0, stdev: 0 };
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < h.countsArrayLength; i++) {
    const c = h.getCountAtIndex(i);
    if (c === 0) continue;
    values.push(h.medianEquivalentValue(h.valueFromIndex(i)));
    counts.push(c);
  }
  let sum = 0;
  for (let k = 0; k < values.length; k++) sum += values[k] * counts[k];
  const mean = sum / n;
  let squares = 0;
  for (let k = 0; k < values.length; k++) squares += (values[k] - mean) ** 2 * counts[k];
  return { mean, stdev: Math.sqrt(squares / n) };
}
