import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetricSet } from '../../src/metrics/metric-set.js';
import { mergeResults } from '../../src/report/merge.js';
import type { Result } from '../../src/report/result.js';
import { shareOf, shardLoad } from '../../src/scenario/shard.js';
import { rng } from '../../src/shared/rng.js';
import { result, variant } from './fixtures.js';

/** Shard k of n with `samples` TTFT and ITL values, as `run --shard k/n` would write it. */
function shard(k: number, n: number, samples: readonly number[], all: MetricSet, name = 'gate'): Result {
  const set = new MetricSet();
  for (const s of samples) {
    for (const target of [set, all]) {
      target.record('ttft_ms', s);
      target.record('itl_ms', s / 50);
    }
  }
  const v = variant('sse', {}, set);
  return { ...result([v]), scenario: { name }, shard: { index: k, count: n } };
}

describe('merge', () => {
  it('4 shards add up to one histogram of all their samples: same counts, same percentiles', () => {
    const rand = rng(4);
    const all = new MetricSet();
    const shards = [1, 2, 3, 4].map((k) => shard(k, 4, Array.from({ length: 200 + 50 * k }, () => 50 + 400 * rand() ** 3), all));
    const merged = mergeResults(shards);
    const v = merged.variants[0];
    expect(v.counts.requests).toBe(4 * 100);
    expect(v.metrics).toEqual(all.summaries());
    expect(merged.merged_from).toBe(4);
  });

  it('refuses other scenarios, duplicate shards, unsharded results and different splits, saying which', () => {
    const all = new MetricSet();
    const a = shard(1, 2, [1, 2], all);
    expect(() => mergeResults([a, shard(2, 2, [3], all, 'other')])).toThrow(/different scenarios \(gate, other\)/);
    expect(() => mergeResults([a, shard(1, 2, [3], all)])).toThrow('results 1 and 2 are both shard 1/2');
    expect(() => mergeResults([a, { ...shard(2, 2, [3], all), shard: undefined }])).toThrow('result 2 is not a shard');
    expect(() => mergeResults([a, shard(2, 3, [3], all)])).toThrow(/split the load differently/);
  });
});

describe('shards', () => {
  it('the parts of n differ by at most one and add up to n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 64 }), (n, count) => {
        const parts = Array.from({ length: count }, (_, i) => shareOf(n, { index: i + 1, count }));
        expect(parts.reduce((a, b) => a + b, 0)).toBe(n);
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('splits users, counts, warm-up and rate, seeds each shard apart, refuses an empty part', () => {
    const load = { kind: 'open', rate: 100, requests: 10, warmup: 3, seed: 7 };
    expect(shardLoad(load, { index: 2, count: 4 })).toEqual({ kind: 'open', rate: 25, requests: 3, warmup: 1, seed: 8 });
    expect(shardLoad({ kind: 'closed', concurrency: 2, requests: 10 }, { index: 3, count: 3 })).toEqual([
      { path: '--shard', message: 'shard 3/3 gets no concurrency (load.concurrency is 2)' },
    ]);
  });
});
