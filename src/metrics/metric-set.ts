import type { MetricName } from '../core/catalog.js';
import { isMetricName, METRIC_INFO, METRICS } from '../core/catalog.js';
import type { MetricSummary } from '../result/result.js';
import type { Histogram } from './histogram.js';
import {
  addCounts,
  COUNTS_LENGTH,
  countsIndex,
  decodeHistogram,
  encodeHistogram,
  HIGHEST_TRACKABLE,
  histogramFromCounts,
  SCALE,
} from './histogram.js';
import { summarize } from './summary.js';

/** Units that count whole things: their summaries are integers (to the histogram's precision). */
const COUNTED: ReadonlySet<string> = new Set(['turns', 'tokens']);

/** A constant-shape lookup, so `record` stays a monomorphic property load. */
const INDEX = Object.fromEntries(METRICS.map((name, i) => [name, i])) as Readonly<Record<MetricName, number>>;

/**
 * The histograms of one variant (in one worker or shard). `record` runs once per token, so it bumps a
 * plain counts array in the HdrHistogram layout (histogram.ts) and an HdrHistogram is built only when
 * asked for. Counts arrays are created on first use: one is ~94 KB, and most variants never record half
 * of the metrics (no DNS or upgrade on a reused connection), which matters once a sweep multiplies the
 * variants. A bucket counts at most 2^32 − 1 samples, as HdrHistogram's own 32-bit histograms do.
 */
export class MetricSet {
  private readonly counts: (Uint32Array | undefined)[] = new Array<Uint32Array | undefined>(METRICS.length).fill(
    undefined,
  );
  private readonly totals: number[] = new Array<number>(METRICS.length).fill(0);
  private readonly outOfRange: number[] = new Array<number>(METRICS.length).fill(0);

  /**
   * Records one sample in its reported unit (ms, or tok/s for decode_tps). Values outside the histogram's
   * range are clamped and counted rather than thrown: one absurd sample must not abort a run.
   */
  record(name: MetricName, value: number): void {
    const m = INDEX[name];
    let v = Math.round(value * SCALE);
    if (v > HIGHEST_TRACKABLE) {
      v = HIGHEST_TRACKABLE;
      this.outOfRange[m]++;
    } else if (!(v >= 0)) {
      // Also catches NaN, which would otherwise land at an undefined index and vanish.
      v = 0;
      this.outOfRange[m]++;
    }
    const counts = this.counts[m] ?? this.create(m);
    counts[countsIndex(v)]++;
    this.totals[m]++;
  }

  /** A snapshot of the histogram of `name` (empty if nothing was recorded), in recorded units (value × 1000). */
  histogram(name: MetricName): Histogram {
    const counts = this.counts[INDEX[name]];
    return histogramFromCounts(counts ?? new Uint32Array(COUNTS_LENGTH));
  }

  /** Snapshots of the metrics with data, in catalog order. */
  recorded(): [MetricName, Histogram][] {
    const out: [MetricName, Histogram][] = [];
    METRICS.forEach((name, m) => {
      const counts = this.counts[m];
      if (counts !== undefined && this.totals[m] > 0) out.push([name, histogramFromCounts(counts)]);
    });
    return out;
  }

  /**
   * Hands `fn` the live counts array (no copy) and sample total of each metric with data, in catalog order:
   * for readers that diff the counts between calls (interval-log.ts) instead of adding work to `record`.
   */
  forEachCounts(fn: (name: MetricName, counts: Readonly<Uint32Array>, total: number) => void): void {
    METRICS.forEach((name, m) => {
      const counts = this.counts[m];
      if (counts !== undefined && this.totals[m] > 0) fn(name, counts, this.totals[m]);
    });
  }

  /** Samples clamped into range (negative, NaN or above one hour), per metric that had any. */
  clamped(): Partial<Record<MetricName, number>> {
    const out: Partial<Record<MetricName, number>> = {};
    METRICS.forEach((name, m) => {
      if (this.outOfRange[m] > 0) out[name] = this.outOfRange[m];
    });
    return out;
  }

  /** Only the metrics with data. */
  summaries(): Partial<Record<MetricName, MetricSummary>> {
    const out: Partial<Record<MetricName, MetricSummary>> = {};
    for (const [name, h] of this.recorded()) out[name] = summarize(h, COUNTED.has(METRIC_INFO[name].unit));
    return out;
  }

  /** Compressed histograms of the metrics with data, keyed by metric name: what a worker or shard hands on. */
  encode(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, h] of this.recorded()) out[name] = encodeHistogram(h);
    return out;
  }

  /** Adds what another worker or shard `encode`d. Merging is exact: counts add, percentiles are recomputed. */
  addEncoded(enc: Readonly<Record<string, string>>): void {
    for (const [name, hdr] of Object.entries(enc)) {
      if (!isMetricName(name)) throw new Error(`unknown metric in encoded histograms: ${name}`);
      const h = decodeHistogram(hdr);
      const m = INDEX[name];
      addCounts(this.counts[m] ?? this.create(m), h);
      this.totals[m] += h.totalCount;
    }
  }

  private create(m: number): Uint32Array {
    const counts = new Uint32Array(COUNTS_LENGTH);
    this.counts[m] = counts;
    return counts;
  }
}
