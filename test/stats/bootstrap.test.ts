import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { rng } from '../../src/shared/rng.js';
import { beta, bootstrapChange, Empirical, resampledQuantile } from '../../src/stats/bootstrap.js';

function empirical(samples: readonly number[]): Empirical {
  const set = new MetricSet();
  for (const s of samples) set.record('ttft_ms', s);
  return Empirical.fromHistogram(set.histogram('ttft_ms'));
}

function mean(xs: Float64Array): number {
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

describe('bootstrap', () => {
  it('Beta(a, b) samples have mean a/(a+b) and the right variance', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 }), fc.integer(), (a, b, seed) => {
        const rand = rng(seed);
        const xs = Float64Array.from({ length: 4000 }, () => beta(a, b, rand));
        const m = a / (a + b);
        const sd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
        // 4000 samples: the mean's standard error is sd/63; 5 of them cannot fail by accident.
        expect(Math.abs(mean(xs) - m)).toBeLessThan((5 * sd) / Math.sqrt(4000));
        const v = mean(xs.map((x) => (x - m) ** 2));
        expect(Math.sqrt(v) / sd).toBeGreaterThan(0.9);
        expect(Math.sqrt(v) / sd).toBeLessThan(1.1);
      }),
      { numRuns: 25 },
    );
  });

  it('a replicate of the median has the distribution of the median of n draws with replacement', () => {
    const rand = rng(7);
    const samples = Array.from({ length: 41 }, (_, i) => 10 + ((i * 37) % 41) * 1.5);
    const e = empirical(samples);
    const sorted = [...samples].sort((a, b) => a - b);
    const direct = Float64Array.from({ length: 20_000 }, () => {
      const draw = Array.from({ length: 41 }, () => sorted[Math.floor(rand() * 41)]).sort((a, b) => a - b);
      return draw[20];
    });
    const fast = Float64Array.from({ length: 20_000 }, () => resampledQuantile(e, 0.5, rand));
    direct.sort();
    fast.sort();
    // Same distribution: quartiles agree to within one sample spacing (1.5) and histogram precision.
    for (const p of [0.05, 0.25, 0.5, 0.75, 0.95]) {
      const i = Math.floor(p * 20_000);
      expect(Math.abs(fast[i] - direct[i])).toBeLessThanOrEqual(1.5 + 0.1);
    }
  });

  it('the interval of a halved median covers −50% and is narrow; equal samples cover 0', () => {
    const rand = rng(3);
    const base = Array.from({ length: 2000 }, () => 100 * (1 + rand()));
    const half = base.map((x) => x / 2);
    const change = bootstrapChange(empirical(base), empirical(half), 0.5, rng(1));
    expect(change.estimate).toBeCloseTo(-0.5, 2);
    expect(change.lo).toBeLessThanOrEqual(-0.5 + 0.002);
    expect(change.hi).toBeGreaterThanOrEqual(-0.5 - 0.002);
    expect(change.hi - change.lo).toBeLessThan(0.06);
    const other = Array.from({ length: 2000 }, () => 100 * (1 + rand()));
    const same = bootstrapChange(empirical(base), empirical(other), 0.5, rng(2));
    expect(same.lo).toBeLessThan(0);
    expect(same.hi).toBeGreaterThan(0);
  });

  it('from exact samples: quantiles are order statistics, ties are counted', () => {
    const e = Empirical.fromSamples(Float64Array.from([5, 1, 3, 3, 2.5, 9]));
    expect(e.n).toBe(6);
    expect(e.entries()).toEqual([
      { value: 1, count: 1 },
      { value: 2.5, count: 1 },
      { value: 3, count: 2 },
      { value: 5, count: 1 },
      { value: 9, count: 1 },
    ]);
    // Rank ceil(q·n), HdrHistogram's rule: p50 of 6 is the 3rd, p99 the 6th.
    expect([e.quantile(0.5), e.quantile(0.99), e.quantile(0)]).toEqual([3, 9, 1]);
  });

  it('from exact samples, the 95% interval of a change covers the true change about 95% of the time', () => {
    const rand = rng(11);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    // Lognormal latencies; the candidate is the baseline's distribution × 1.1, so every quantile is +10%.
    const draw = (n: number, scale: number): Float64Array =>
      Float64Array.from({ length: n }, () => scale * 100 * Math.exp(0.5 * normal()));
    for (const [q, n] of [
      [0.5, 300],
      [0.99, 1000],
    ]) {
      const trials = 200;
      let covered = 0;
      for (let t = 0; t < trials; t++) {
        const iv = bootstrapChange(
          Empirical.fromSamples(draw(n, 1)),
          Empirical.fromSamples(draw(n, 1.1)),
          q,
          rng(t + 1),
          1000,
        );
        if (iv.lo <= 0.1 && iv.hi >= 0.1) covered++;
      }
      // Nominal 0.95; 200 trials have a standard error of 0.015.
      expect(covered / trials, `p${q * 100}`).toBeGreaterThan(0.9);
      expect(covered / trials, `p${q * 100}`).toBeLessThan(0.99);
    }
  });

  it('exact samples and their histogram give the same interval, to histogram precision', () => {
    const rand = rng(5);
    const base = Array.from({ length: 3000 }, () => 50 + 100 * rand() ** 3);
    const cand = base.map((x) => x * 1.05 + rand());
    for (const q of [0.5, 0.99]) {
      const exact = bootstrapChange(
        Empirical.fromSamples(Float64Array.from(base)),
        Empirical.fromSamples(Float64Array.from(cand)),
        q,
        rng(1),
      );
      const binned = bootstrapChange(empirical(base), empirical(cand), q, rng(1));
      // Same seed, same ranks drawn: only each value's bucket (< 0.1% wide) differs.
      expect(Math.abs(exact.lo - binned.lo)).toBeLessThan(0.002);
      expect(Math.abs(exact.hi - binned.hi)).toBeLessThan(0.002);
    }
  });

  it('the estimate lies within its interval, however few, tied or skewed the samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(0.5, 0.9, 0.99),
        fc.integer(),
        (b, c, q, seed) => {
          // Squared small integers: many ties and a long right tail.
          const iv = bootstrapChange(
            Empirical.fromSamples(Float64Array.from(b, (x) => x * x)),
            Empirical.fromSamples(Float64Array.from(c, (x) => x * x)),
            q,
            rng(seed),
          );
          expect(iv.lo).toBeLessThanOrEqual(iv.estimate);
          expect(iv.hi).toBeGreaterThanOrEqual(iv.estimate);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it('is reproducible for a seed', () => {
    const a = empirical([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const b = empirical([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(bootstrapChange(a, b, 0.5, rng(9))).toEqual(bootstrapChange(a, b, 0.5, rng(9)));
  });
});
