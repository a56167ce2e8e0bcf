import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import type { MetricSummary } from '../../src/result/result.js';
import { rng } from '../../src/shared/rng.js';
import { bootstrapChange, Empirical } from '../../src/stats/bootstrap.js';
import { compareMetric, histogramsOnly, type SampleSource } from '../../src/stats/compare.js';
import { mannWhitney } from '../../src/stats/mann-whitney.js';

const rand = rng(4);
const base = Float64Array.from({ length: 500 }, () => 100 + 50 * rand());
const cand = Float64Array.from({ length: 500 }, () => 90 + 50 * rand());

function summary(samples: Float64Array): MetricSummary {
  const set = new MetricSet();
  for (const v of samples) set.record('ttft_ms', v);
  return set.summaries().ttft_ms!;
}

const round3 = (x: number): number => Math.round(x * 1e3) / 1e3;
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

const exact = (samples: Float64Array): SampleSource => ({
  exact: (_, count) => (count === samples.length ? samples : 'wrong count'),
});

describe('compare from exact samples', () => {
  it('resamples the samples for the intervals and ranks them for the p-value when both sides have them', () => {
    const c = compareMetric('a', summary(base), 'b', summary(cand), 'ttft_ms', 7, {
      baseline: exact(base),
      candidate: exact(cand),
    });
    expect(c.source).toBe('requests');
    expect(c.source_note).toBeUndefined();
    const r = rng(7);
    const eb = Empirical.fromSamples(base);
    const ec = Empirical.fromSamples(cand);
    // Every quantile 500 samples resolve gets an interval, drawn in turn from the one seeded stream; p999,
    // which needs 1000, is their maximum and gets none.
    const [p50, p90, p95, p99] = [0.5, 0.9, 0.95, 0.99].map((q) => bootstrapChange(eb, ec, q, r));
    const iv = (x: typeof p50): [number, number] => [round4(x.lo), round4(x.hi)];
    expect(c.ci95).toEqual({ p50: iv(p50), p90: iv(p90), p95: iv(p95), p99: iv(p99) });
    expect(c.verdicts.p999).toBeUndefined();
    expect(c.p_value).toBe(Math.round(mannWhitney(eb, ec).p * 1e6) / 1e6);
    expect(c.verdicts.p50).toBe('faster');
    // The statistics shown are the samples' too: the change is the interval's estimate, the values beside
    // it its two quantiles (and they differ from the histogram's by its precision at most).
    expect(c.stats.p50).toEqual({
      baseline: round3(eb.quantile(0.5)),
      candidate: round3(ec.quantile(0.5)),
      change: round4(p50.estimate),
    });
    expect(c.stats.p99.change).toBe(round4(p99.estimate));
    expect(c.stats.p90.baseline).toBe(round3(eb.quantile(0.9)));
    const mean = base.reduce((a, x) => a + x, 0) / base.length;
    expect(c.stats.mean.baseline).toBe(round3(mean));
    expect(c.stats.stdev.baseline).toBe(round3(Math.sqrt(base.reduce((a, x) => a + (x - mean) ** 2, 0) / base.length)));
    expect([c.stats.min.baseline, c.stats.max.baseline, c.stats.count.baseline]).toEqual([
      round3(Math.min(...base)),
      round3(Math.max(...base)),
      base.length,
    ]);
    for (const stat of ['p50', 'p90', 'p95', 'p99', 'p999', 'mean', 'stdev', 'min', 'max'] as const) {
      expect(Math.abs(c.stats[stat].baseline / summary(base)[stat] - 1), stat).toBeLessThan(2e-3);
    }
  });

  it('prints a change that lies within its own interval, from the samples as from the histograms', () => {
    // Synthetic latencies on whole µs as requests.jsonl keeps them: few or many, tied, skewed, two-humped,
    // and candidates shifted, scaled or alike.
    const shapes: ((r: () => number) => number)[] = [
      (r) => 100 + 50 * r(),
      (r) => 20 * Math.exp(1.5 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())),
      (r) => (r() < 0.8 ? 10 : 250) + r(),
      (r) => 1 + Math.floor(4 * r()),
      (r) => 5 / Math.sqrt(1 - r()),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: shapes.length - 1 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.double({ min: 0.7, max: 1.4, noNaN: true }),
        fc.integer(),
        (shape, nb, nc, scale, seed) => {
          const r = rng(seed);
          const draw = (n: number, k: number) => Float64Array.from({ length: n }, () => round3(k * shapes[shape](r)));
          const b = draw(nb, 1);
          const c = draw(nc, scale);
          for (const cmp of [
            compareMetric('a', summary(b), 'b', summary(c), 'ttft_ms', seed, {
              baseline: exact(b),
              candidate: exact(c),
            }),
            compareMetric('a', summary(b), 'b', summary(c), 'ttft_ms', seed),
          ]) {
            for (const stat of ['p50', 'p99'] as const) {
              // A p99 of fewer than 100 samples a side is their maximum: it gets no interval.
              if (stat === 'p99' && Math.min(nb, nc) < 100) {
                expect(cmp.ci95.p99).toBeUndefined();
                continue;
              }
              const [lo, hi] = cmp.ci95[stat]!;
              const { baseline, candidate, change } = cmp.stats[stat];
              expect(lo, `${cmp.source} ${stat}`).toBeLessThanOrEqual(change);
              expect(hi, `${cmp.source} ${stat}`).toBeGreaterThanOrEqual(change);
              // …and is the change between the values printed beside it.
              expect(change).toBe(round4(candidate / baseline - 1));
            }
          }
        },
      ),
      { numRuns: 60, seed: 42 },
    );
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
    const s = compareMetric('a', summary(base), 'b', summary(cand), 'ttft_ms', 3, {
      baseline: exact(base),
      candidate: exact(cand),
    });
    const h = compareMetric('a', summary(base), 'b', summary(cand), 'ttft_ms', 3);
    for (const stat of ['p50', 'p99'] as const) {
      for (const k of [0, 1]) expect(Math.abs(s.ci95[stat]![k] - h.ci95[stat]![k])).toBeLessThan(0.003);
    }
    expect(s.verdicts).toEqual(h.verdicts);
  });
});
