import type { Histogram } from '../metrics/histogram.js';
import { SCALE } from '../metrics/histogram.js';

/**
 * The classic HdrHistogram percentile distribution (`.hgrm`), values in the reported unit (ms, or tok/s
 * for decode_tps), five ticks per half distance: the text HdrHistogram's plotter and most latency
 * tooling read.
 */
export function toHgrm(h: Histogram): string {
  return h.outputPercentileDistribution(5, SCALE);
}
