import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { rng } from '../../src/shared/rng.js';
import { bootstrapChange, Empirical } from '../../src/stats/bootstrap.js';
import { compareVariants } from '../../src/stats/changes.js';
import { compareMetric, significant, unitsOf } from '../../src/stats/compare.js';
import { mannWhitney } from '../../src/stats/mann-whitney.js';
import { variant } from '../report/fixtures.js';

/**
 * Per-token samples come in requests: 40 requests of 200 tokens, each request's gaps around a level of
 * its own (its connection, its moment), the tokens of a request close to it. 8000 samples, 40 draws.
 */
const REQUESTS = 40;
const TOKENS = 200;
function tokens(seed: number, shift = 0): { set: MetricSet; levels: number[] } {
  const r = rng(seed);
  const set = new MetricSet();
  const levels: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const level = 1 + shift + 0.4 * r();
    levels.push(level);
    for (let t = 0; t < TOKENS; t++) set.record('itl_ms', level + 0.01 * r());
  }
  return { set, levels };
}
const emp = (set: MetricSet, units?: number) => Empirical.fromHistogram(set.histogram('itl_ms'), units);
const width = (iv: { lo: number; hi: number }) => iv.hi - iv.lo;

describe('samples in clusters (per-token metrics)', () => {
  it('resamples as many draws as there are clusters: the interval is √(n/m) as wide', () => {
    // Smooth samples, so that only the number of draws differs between the two intervals.
    const smooth = (seed: number) => {
      const r = rng(seed);
      const set = new MetricSet();
      for (let i = 0; i < REQUESTS * TOKENS; i++) set.record('itl_ms', 1 + r());
      return set;
    };
    const [a, b] = [smooth(1), smooth(2)];
    const iid = bootstrapChange(emp(a), emp(b), 0.5, rng(3));
    const clustered = bootstrapChange(emp(a, REQUESTS), emp(b, REQUESTS), 0.5, rng(3));
    // √(8000/40) ≈ 14: the spread of 40 draws, not of 8000.
    expect(width(clustered) / width(iid)).toBeGreaterThan(10);
    expect(width(clustered) / width(iid)).toBeLessThan(20);
    expect(emp(a, REQUESTS).draws).toBe(REQUESTS);
    expect(emp(a, 1e9).draws).toBe(REQUESTS * TOKENS);
  });

  it('ranks with the design effect: tokens alike within a request test like their requests', () => {
    const [a, b] = [tokens(5), tokens(6, 0.08)];
    const byRequest = mannWhitney(
      Empirical.fromSamples(Float64Array.from(a.levels)),
      Empirical.fromSamples(Float64Array.from(b.levels)),
    );
    const clustered = mannWhitney(emp(a.set, REQUESTS), emp(b.set, REQUESTS));
    const iid = mannWhitney(emp(a.set), emp(b.set));
    expect(iid.p).toBeLessThan(1e-6);
    // The request-level test's p, within what the tokens' spread around their level moves it.
    expect(byRequest.p).toBeGreaterThan(0.001);
    expect(clustered.p / byRequest.p).toBeGreaterThan(0.5);
    expect(clustered.p / byRequest.p).toBeLessThan(2);
  });

  it('unitsOf: a per-token metric counts its variant’s requests, a per-request one each sample', () => {
    const v = variant('v', {});
    expect(unitsOf(v, 'itl_ms')).toBe(v.counts.requests);
    expect(unitsOf(v, 'token_delay_ms')).toBe(v.counts.requests);
    expect(unitsOf(v, 'ttft_ms')).toBeUndefined();
  });

  it('calls no change between two runs of one process, where tokens taken as independent would', () => {
    // Seeds where the 40 request levels of the two sides differ by chance: iid tokens call it.
    const a = variant('a', {}, tokens(11).set);
    const b = variant('b', {}, tokens(12).set);
    a.counts.requests = REQUESTS;
    b.counts.requests = REQUESTS;
    const [change] = compareVariants([a, b]).filter((c) => c.metric === 'itl_ms');
    expect(change.significant).toBe(false);
    const iid = compareMetric('a', a.metrics.itl_ms!, 'b', b.metrics.itl_ms!, 'itl_ms');
    expect(significant(iid, 'p50')).toBe(true);
    expect(iid.ci95.p50![1] - iid.ci95.p50![0]).toBeLessThan((change.ci95![1] - change.ci95![0]) / 8);
    // A real shift of a fifth still shows.
    const c = variant('c', {}, tokens(13, 0.25).set);
    c.counts.requests = REQUESTS;
    const [shifted] = compareVariants([a, c]).filter((x) => x.metric === 'itl_ms');
    expect(shifted.significant).toBe(true);
  });
});
