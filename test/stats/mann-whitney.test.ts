import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { rng } from '../../src/shared/rng.js';
import { Empirical } from '../../src/stats/bootstrap.js';
import { mannWhitney } from '../../src/stats/mann-whitney.js';

function empirical(samples: readonly number[]): Empirical {
  const set = new MetricSet();
  for (const s of samples) set.record('ttft_ms', s);
  return Empirical.fromHistogram(set.histogram('ttft_ms'));
}

describe('Mann–Whitney U', () => {
  it('U equals the pairwise count (ties as half) of the histogram values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 40 }),
        (a, b) => {
          // Small integers (ms) are exact in the histogram, so the brute force sees the same values.
          let u = 0;
          for (const x of a) for (const y of b) u += x > y ? 1 : x === y ? 0.5 : 0;
          expect(mannWhitney(empirical(a), empirical(b)).u).toBeCloseTo(u, 6);
        },
      ),
    );
  });

  it('same distribution: p is not small; a shifted one: p is tiny', () => {
    const rand = rng(5);
    const a = Array.from({ length: 300 }, () => 100 + 20 * rand());
    const b = Array.from({ length: 300 }, () => 100 + 20 * rand());
    const shifted = b.map((x) => x + 5);
    expect(mannWhitney(empirical(a), empirical(b)).p).toBeGreaterThan(0.05);
    expect(mannWhitney(empirical(a), empirical(shifted)).p).toBeLessThan(1e-6);
  });

  it('under the null hypothesis p < 0.05 about 5% of the time', () => {
    const rand = rng(11);
    let small = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const a = Array.from({ length: 60 }, () => 50 + 10 * rand());
      const b = Array.from({ length: 60 }, () => 50 + 10 * rand());
      if (mannWhitney(empirical(a), empirical(b)).p < 0.05) small++;
    }
    // Binomial(400, 0.05): mean 20, sd 4.4 — 4 sd either way cannot fail by accident.
    expect(small).toBeGreaterThan(2);
    expect(small).toBeLessThan(38);
  });

  it('small samples get the exact p-value: 3 against 3 fully apart is 2 of 20 draws, not significant', () => {
    expect(mannWhitney(empirical([1, 1, 1]), empirical([2, 2, 2])).p).toBeCloseTo(2 / 20, 12);
    expect(mannWhitney(empirical([1, 2, 3, 4]), empirical([5, 6, 7, 8])).p).toBeCloseTo(2 / 70, 12);
  });

  it('the exact p-value equals the share of all draws as extreme, ties included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
        (a, b) => {
          // Brute force: every way of choosing a's positions in the pooled values, by U's distance from its mean.
          const pooled = [...a, ...b];
          const uOf = (pick: number[]): number => {
            const rest = pooled.filter((_, i) => !pick.includes(i));
            let u = 0;
            for (const i of pick) for (const y of rest) u += pooled[i] > y ? 1 : pooled[i] === y ? 0.5 : 0;
            return u;
          };
          const mean = (a.length * b.length) / 2;
          const observed = Math.abs(uOf(a.map((_, i) => i)) - mean);
          let all = 0;
          let extreme = 0;
          const choose = (from: number, pick: number[]): void => {
            if (pick.length === a.length) {
              all++;
              if (Math.abs(uOf(pick) - mean) >= observed - 1e-9) extreme++;
              return;
            }
            for (let i = from; i < pooled.length; i++) choose(i + 1, [...pick, i]);
          };
          choose(0, []);
          expect(mannWhitney(empirical(a), empirical(b)).p).toBeCloseTo(extreme / all, 9);
        },
      ),
    );
  });
});
