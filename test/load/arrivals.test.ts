import { describe, expect, it } from 'vitest';

import { Arrivals } from '../../src/load/arrivals.js';

function gaps(a: Arrivals, n: number): number[] {
  const at = Array.from({ length: n + 1 }, () => a.next());
  return at.slice(1).map((t, i) => t - at[i]);
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const cv = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)) / m;
};

describe('open-loop arrivals', () => {
  it('constant: exactly 1/rate apart, from 0', () => {
    const a = new Arrivals(20, 'constant', 1);
    expect(a.next()).toBe(0);
    expect(gaps(a, 100).every((g) => Math.abs(g - 50e6) < 1e-3)).toBe(true);
  });

  it('constant with a phase: parts at rate/n, each i/rate later, together are the whole rate', () => {
    const parts = [0, 1, 2].map((i) => new Arrivals(20 / 3, 'constant', 1, (i * 1e9) / 20));
    const all = parts.flatMap((a) => Array.from({ length: 10 }, () => a.next())).sort((x, y) => x - y);
    expect(all[0]).toBe(0);
    const spacing = all.slice(1).map((t, i) => t - all[i]);
    expect(spacing.every((g) => Math.abs(g - 50e6) < 1e-3)).toBe(true);
  });

  it('poisson: over 2000 arrivals the mean gap is within 5% of 1/rate and the CV within 0.9–1.1', () => {
    for (const seed of [1, 2, 3]) {
      const g = gaps(new Arrivals(50, 'poisson', seed), 2000);
      expect(Math.abs(mean(g) / 20e6 - 1), `seed ${seed}`).toBeLessThan(0.05);
      expect(cv(g), `seed ${seed}`).toBeGreaterThan(0.9);
      expect(cv(g), `seed ${seed}`).toBeLessThan(1.1);
      expect(g.every((x) => x >= 0)).toBe(true);
    }
  });

  it('poisson: the same seed gives the same arrivals, another seed others', () => {
    const a = gaps(new Arrivals(10, 'poisson', 7), 50);
    expect(gaps(new Arrivals(10, 'poisson', 7), 50)).toEqual(a);
    expect(gaps(new Arrivals(10, 'poisson', 8), 50)).not.toEqual(a);
  });
});
