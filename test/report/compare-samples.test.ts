import { describe, expect, it } from 'vitest';
import { bootstrapChange, Empirical } from '../../src/metrics/bootstrap.js';
import { MetricSet } from '../../src/metrics/metric-set.js';
import { mannWhitney } from '../../src/metrics/mann-whitney.js';
import type { MetricSummary } from '../../src/metrics/summary.js';
import { compareMetric, histogramsOnly, type SampleSource } from '../../src/report/compare.js';
import { rng } from '../../src/shared/rng.js';

const rand = rng(4);
const base = Float64Array.from({ length: 500 }, () => 100 + 50 * rand());
const cand = Float64Array.from({ length: 500 }, () => 90 + 50 * rand());

function summary(samples: Float64Array): MetricSummary {
  const set = new MetricSet();
  for (const v of samples) set.record('ttft_ms', v);
  return set.summaries().ttft_ms!;
}

const exact = (samples: Float64Array): SampleSource => ({ exact: (_, count) => (count === samples.length ? samples : 'wrong count') });

describe('compare from exact samples', () => {
  it('resamples the samples for the intervals and ranks them for the p-value when both sides have them', () => {
    const c = compareMetric('a', summary(base), 'b', summary(cand), 'ttft_ms', 7, { baseline: exact(base), candidate: exact(cand) });
    expect(c.source).toBe('requests');
    expect(c.source_note).toBeUndefined();
    const r = rng(7);
    const eb = Empirical.fromSamples(base);
    const ec = Empirical.fromSamples(cand);
    const p50 = bootstrapChange(eb, ec, 0.5, r);
    const p99 = bootstrapChange(eb, ec, 0.99, r);
    const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;
    expect(c.ci95).toEqual({ p50: [round4(p50.lo), round4(p50.hi)], p99: [round4(p99.lo), round4(p99.hi)] });
    expect(c.p_value).toBe(Math.round(mannWhitney(eb, ec).p * 1e6) / 1e6);
    expect(c.verdict).toBe('faster');
    // The reported statistics stay the result's own (its histograms'), whatever the interval came from.
    expect(c.stats.p50.baseline).toBe(summary(base).p50);
  });

  it('falls back to both histograms, never one of each, and says why', () => {
    const both = { baseline: exact(base), candidate: histogramsOnly('no requests.jsonl') };
    const c = compareMetric('a', summary(base), 'b', summary(cand), 'ttft_ms', 7, both);
    const h = compareMetric('a', summary(base), 'b', summary(cand), 'ttft_ms', 7);
    expect(c).toMatchObject({ source: 'histogram', source_note: 'candidate: no requests.jsonl' });
    expect([c.ci95, c.p_value]).toEqual([h.ci95, h.p_value]);
    expect(h).toMatchObject({ source: 'histogram', source_note: 'no per-request samples' });
    const neither = compareMetric('a', summary(base), 'b', summary(cand), 'ttft_ms', 7, {
      baseline: histogramsOnly('--no-requests'),
      candidate: histogramsOnly('--no-requests'),
    });
    expect(neither.source_note).toBe('--no-requests');
  });

  it('agrees with the histogram path to histogram precision', () => {
    const s = compareMetric('a', summary(base), 'b', summary(cand), 'ttft_ms', 3, { baseline: exact(base), candidate: exact(cand) });
    const h = compareMetric('a', summary(base), 'b', summary(cand), 'ttft_ms', 3);
    for (const stat of ['p50', 'p99'] as const) {
      for (const k of [0, 1]) expect(Math.abs(s.ci95[stat]![k] - h.ci95[stat]![k])).toBeLessThan(0.003);
    }
    expect(s.verdict).toBe(h.verdict);
  });
});
