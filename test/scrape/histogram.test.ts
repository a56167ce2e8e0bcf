import { describe, expect, it } from 'vitest';

import { add, type BucketHistogram, quantile, subtract } from '../../src/scrape/histogram.js';

const h = (cumulative: number[], sum: number, bounds = [0.1, 0.2, 0.5, Infinity]): BucketHistogram => ({
  bounds,
  cumulative,
  sum,
  count: cumulative.at(-1)!,
});

describe('subtract', () => {
  it('is what was observed between two scrapes', () => {
    expect(subtract(h([2, 5, 9, 10], 3), h([1, 2, 3, 3], 1))).toEqual(h([1, 3, 6, 7], 2));
  });

  it('refuses a histogram that cannot follow the earlier one', () => {
    // The server restarted: fewer observations than before.
    expect(subtract(h([1, 1, 1, 1], 0.1), h([1, 2, 3, 3], 1))).toBeUndefined();
    // Buckets changed.
    expect(subtract(h([2, 5, 9, 10], 3), h([1, 2, 3], 1, [0.1, 0.2, Infinity]))).toBeUndefined();
  });

  it('takes a histogram the earlier page did not have yet for one that was empty', () => {
    expect(subtract(h([2, 5, 9, 10], 3), undefined)).toEqual(h([2, 5, 9, 10], 3));
  });
});

describe('add', () => {
  it('adds bucket by bucket, and refuses different buckets', () => {
    expect(add(h([1, 3, 6, 7], 2), h([0, 1, 1, 2], 1))).toEqual(h([1, 4, 7, 9], 3));
    expect(add(h([1, 3, 6, 7], 2), h([1, 2, 2], 1, [0.1, 0.2, Infinity]))).toBeUndefined();
  });
});

describe('quantile', () => {
  it("interpolates within the bucket as PromQL's histogram_quantile does, and names the bucket", () => {
    // 10 observations: 2 ≤ 0.1, 6 in (0.1, 0.2], 2 in (0.2, 0.5].
    const x = h([2, 8, 10, 10], 1.5);
    // rank 5 is the 3rd of 6 in (0.1, 0.2]: 0.1 + 0.1 × 3/6.
    expect(quantile(x, 0.5)).toEqual({ value: expect.closeTo(0.15, 12), lo: 0.1, hi: 0.2 });
    expect(quantile(x, 0.1)).toEqual({ value: expect.closeTo(0.05, 12), lo: 0, hi: 0.1 });
    const p99 = quantile(x, 0.99)!;
    expect(p99.lo).toBe(0.2);
    expect(p99.hi).toBe(0.5);
    expect(p99.value).toBeCloseTo(0.2 + (0.3 * (9.9 - 8)) / 2, 12);
  });

  it('in the +Inf bucket gives the highest finite bound and an open top', () => {
    expect(quantile(h([0, 0, 1, 4], 9), 0.9)).toEqual({ value: 0.5, lo: 0.5, hi: Infinity });
  });

  it('is 0 when every observation was (a sum of 0 latencies)', () => {
    expect(quantile(h([5, 5, 5, 5], 0), 0.99)).toEqual({ value: 0, lo: 0, hi: 0.1 });
  });

  it('has nothing to say without observations', () => {
    expect(quantile(h([0, 0, 0, 0], 0), 0.5)).toBeUndefined();
  });
});
