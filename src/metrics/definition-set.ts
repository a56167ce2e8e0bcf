import { type Definition, DEFINITION_INFO, type DefinitionMetric } from '../core/definitions.js';
import type { MetricSummary, VariantDefinitions } from '../result/result.js';
import { type DefinitionInput, type DefinitionSink, SAMPLES } from './definitions.js';
import {
  addCounts,
  COUNTS_LENGTH,
  countsIndex,
  decodeHistogram,
  HIGHEST_TRACKABLE,
  histogramFromCounts,
  SCALE,
} from './histogram.js';
import type { TokenCount } from './request-metrics.js';
import { summarize } from './summary.js';
import type { Timeline } from './timeline.js';

/**
 * One variant's histograms of the other tools' metrics (`run --definitions`), in the layout of its own
 * (histogram.ts), so that workers and shards add them exactly and the summaries read the same. Fed once
 * per completed request, never per token.
 */
export class DefinitionSet implements DefinitionSink {
  private readonly counts = new Map<string, Uint32Array>();

  /** The tools asked for, in the order asked, each once. */
  readonly kinds: readonly Definition[];

  /**
   * @param kinds the tools asked for (a tool named twice would count every request twice)
   * @param choiceFrames the variant's protocol frames every event as a choice (Chat Completions)
   */
  constructor(
    kinds: readonly Definition[],
    private readonly choiceFrames = false,
  ) {
    this.kinds = [...new Set(kinds)];
  }

  /** A successful request; one without output has no first token, which every tool's TTFT needs. */
  add(tl: Timeline, tokens: TokenCount): void {
    if (tl.firstDelta === 0) return;
    const r: DefinitionInput = {
      start: tl.start,
      ackAt: tl.ackAt,
      firstDelta: tl.firstDelta,
      lastDelta: tl.lastDelta,
      doneAt: tl.doneAt,
      deltas: tl.deltas,
      itl: tl.itl,
      usage: tl.usageOutputTokens,
      output: tokens.output,
      streamed: tokens.streamed,
      choiceFrames: this.choiceFrames,
    };
    for (const d of this.kinds) SAMPLES[d](r, this);
  }

  /** Clamped into the histogram's range as MetricSet clamps (a NaN lands at 0 rather than vanish). */
  record(d: Definition, m: DefinitionMetric, value: number, weight = 1): void {
    const v = Math.round(value * SCALE);
    const at = countsIndex(v > HIGHEST_TRACKABLE ? HIGHEST_TRACKABLE : v >= 0 ? v : 0);
    this.histogramCounts(d, m)[at] += weight;
  }

  /** Every tool asked for, with the metrics that had samples, in the catalog's order. */
  summaries(): VariantDefinitions {
    const out: VariantDefinitions = {};
    for (const d of this.kinds) {
      const block: Partial<Record<DefinitionMetric, MetricSummary>> = {};
      for (const { key } of DEFINITION_INFO[d].metrics) {
        const counts = this.counts.get(`${d}.${key}`);
        if (counts !== undefined) block[key] = summarize(histogramFromCounts(counts));
      }
      out[d] = block;
    }
    return out;
  }

  /** Adds another worker's or shard's summaries: their histograms, exactly. */
  addSummaries(defs: VariantDefinitions): void {
    for (const d of this.kinds) {
      for (const [m, s] of Object.entries(defs[d] ?? {}) as [DefinitionMetric, MetricSummary][]) {
        addCounts(this.histogramCounts(d, m), decodeHistogram(s.hdr));
      }
    }
  }

  private histogramCounts(d: Definition, m: DefinitionMetric): Uint32Array {
    const key = `${d}.${m}`;
    let counts = this.counts.get(key);
    if (counts === undefined) {
      counts = new Uint32Array(COUNTS_LENGTH);
      this.counts.set(key, counts);
    }
    return counts;
  }
}
