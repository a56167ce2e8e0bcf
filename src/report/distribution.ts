import { decodeHistogram, SCALE } from '../metrics/histogram.js';
import type { MetricSummary } from '../result/result.js';

/**
 * The percentile-distribution curve of a metric, [percentile, value], read off its histogram the way
 * HdrHistogram's plotter reads an .hgrm: evenly spaced in log10(1 / (1 − p)), so 90%, 99%, 99.9% get
 * equal room and the tail is as visible as the body. It stops at the last percentile the sample size
 * can resolve (1 − 1/count), where the value is the maximum.
 */
export function percentileCurve(s: MetricSummary, points = 120): [number, number][] {
  if (s.count === 0) return [];
  const h = decodeHistogram(s.hdr);
  const top = Math.log10(Math.max(s.count, 2));
  const out: [number, number][] = [];
  for (let k = 0; k <= points; k++) {
    const p = 100 * (1 - 10 ** (-(top * k) / points));
    out.push([p, h.getValueAtPercentile(k === points ? 100 : p) / SCALE]);
  }
  return out;
}

/** The cumulative distribution, [value, fraction ≤ value], at every half percent and the extremes. */
export function cdfCurve(s: MetricSummary, steps = 200): [number, number][] {
  if (s.count === 0) return [];
  const h = decodeHistogram(s.hdr);
  const out: [number, number][] = [];
  for (let k = 0; k <= steps; k++) {
    const p = (100 * k) / steps;
    out.push([h.getValueAtPercentile(p) / SCALE, p / 100]);
  }
  return out;
}

/** The share of samples recorded as 0 (under half the histogram's unit): values a log axis cannot place. */
export function zeroShare(s: MetricSummary): number {
  if (s.count === 0) return 0;
  const h = decodeHistogram(s.hdr);
  return h.getCountAtIndex(0) / h.totalCount;
}
