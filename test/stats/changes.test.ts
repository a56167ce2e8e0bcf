import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { rng } from '../../src/shared/rng.js';
import { compareVariants } from '../../src/stats/changes.js';
import { variant } from '../report/fixtures.js';

describe('compareVariants', () => {
  it('compares every variant against the first on medians, candidate/baseline − 1', () => {
    const base = variant('http-fresh', { ttft_ms: 2, overhead_ms: 1, decode_tps: 1 });
    const ws = variant('ws-persistent', { ttft_ms: 1, overhead_ms: 0.25, decode_tps: 1.5 });
    const ka = variant('http-keepalive', { ttft_ms: 1.5, e2e_ms: 1 });
    const cmp = compareVariants([base, ws, ka]);
    expect(cmp.map(({ ci95: _ci, significant: _s, ...rest }) => rest)).toEqual([
      {
        baseline: 'http-fresh',
        candidate: 'ws-persistent',
        metric: 'ttft_ms',
        baseline_p50: 2,
        candidate_p50: 1,
        change: -0.5,
      },
      {
        baseline: 'http-fresh',
        candidate: 'ws-persistent',
        metric: 'overhead_ms',
        baseline_p50: 1,
        candidate_p50: 0.25,
        change: -0.75,
      },
      {
        baseline: 'http-fresh',
        candidate: 'ws-persistent',
        metric: 'decode_tps',
        baseline_p50: 1,
        candidate_p50: 1.5,
        change: 0.5,
      },
      // e2e_ms: the baseline has no data; overhead_ms: the candidate has none.
      {
        baseline: 'http-fresh',
        candidate: 'http-keepalive',
        metric: 'ttft_ms',
        baseline_p50: 2,
        candidate_p50: 1.5,
        change: -0.25,
      },
    ]);
  });

  it('skips metrics outside the compared set and zero baselines', () => {
    const base = variant('a', { dns_ms: 1, itl_ms: 0 });
    const cand = variant('b', { dns_ms: 2, itl_ms: 1 });
    expect(compareVariants([base, cand])).toEqual([]);
  });

  it('has nothing to compare with one variant or none', () => {
    expect(compareVariants([variant('a', { ttft_ms: 1 })])).toEqual([]);
    expect(compareVariants([])).toEqual([]);
  });
});

describe('compareVariants significance', () => {
  /** 200 TTFTs around `median` ms, spread ±10%. */
  function around(name: string, median: number, seed: number) {
    const set = new MetricSet();
    const r = rng(seed);
    for (let i = 0; i < 200; i++) set.record('ttft_ms', median * (0.9 + 0.2 * r()));
    return variant(name, {}, set);
  }

  it('calls a real shift significant, with an interval around it that excludes no change', () => {
    const [c] = compareVariants([around('a', 20, 1), around('b', 10, 2)]);
    expect(c.significant).toBe(true);
    expect(c.change).toBeCloseTo(-0.5, 1);
    expect(c.ci95![0]).toBeLessThanOrEqual(c.change);
    expect(c.ci95![1]).toBeGreaterThanOrEqual(c.change);
    expect(c.ci95![1]).toBeLessThan(-0.4);
  });

  it('calls two draws of one distribution not significant, with an interval that holds no change', () => {
    const [c] = compareVariants([around('a', 20, 1), around('b', 20, 2)]);
    expect(c.significant).toBe(false);
    expect(c.ci95![0]).toBeLessThanOrEqual(0);
    expect(c.ci95![1]).toBeGreaterThanOrEqual(0);
  });
});
