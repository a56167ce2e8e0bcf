import { describe, expect, it } from 'vitest';

import { BoundedStore } from '../../src/server/store.js';
import { DeltaClock, type Pace } from '../../src/server/timing.js';
import { rng, streamSeed } from '../../src/shared/rng.js';

function drain(pace: Pace, seed = 1): { due: number; size: number }[] {
  const clock = new DeltaClock(pace, rng(seed));
  const out: { due: number; size: number }[] = [];
  while (clock.next()) out.push({ due: clock.due, size: clock.size });
  return out;
}

describe('DeltaClock', () => {
  it('puts token k at first + k intervals, exactly, without jitter', () => {
    const d = drain({ firstAt: 1000, tps: 1000, jitter: 0, chunkTokens: 1, tokens: 500 });
    expect(d).toHaveLength(500);
    d.forEach((x, k) => {
      expect(x.size).toBe(1);
      expect(x.due).toBeCloseTo(1000 + k, 9);
    });
  });

  it('makes a chunk due when its last token is, the last chunk carrying the remainder', () => {
    const d = drain({ firstAt: 0, tps: 200, jitter: 0, chunkTokens: 4, tokens: 10 });
    expect(d.map((x) => x.size)).toEqual([4, 4, 2]);
    expect(d.map((x) => x.due)).toEqual([15, 35, 45]);
  });

  it('yields nothing for zero tokens', () => {
    expect(drain({ firstAt: 0, tps: 1000, jitter: 0, chunkTokens: 1, tokens: 0 })).toEqual([]);
  });

  it('keeps the mean rate under full jitter while spreading the intervals', () => {
    const n = 100_000;
    const d = drain({ firstAt: 0, tps: 1000, jitter: 1, chunkTokens: 1, tokens: n });
    // Sum of n−1 intervals of 1·(1+u): σ ≈ 0.577·√n ms ≈ 0.18 % of the total; 1 % is > 5σ.
    expect(d[n - 1].due / (n - 1)).toBeGreaterThan(0.99);
    expect(d[n - 1].due / (n - 1)).toBeLessThan(1.01);
    const gaps = d.slice(1).map((x, i) => x.due - d[i].due);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
    expect(Math.min(...gaps)).toBeLessThan(0.01);
    expect(Math.max(...gaps)).toBeGreaterThan(1.99);
  });

  it('is reproducible from the seed', () => {
    const pace = { firstAt: 0, tps: 1000, jitter: 0.5, chunkTokens: 2, tokens: 100 };
    expect(drain(pace, 9)).toEqual(drain(pace, 9));
    expect(drain(pace, 9)).not.toEqual(drain(pace, 10));
  });
});

describe('streamSeed', () => {
  it('gives unrelated seeds for neighbouring requests and streams', () => {
    const seeds = new Set<number>();
    for (let seq = 0; seq < 1000; seq++) for (let s = 1; s <= 2; s++) seeds.add(streamSeed(1, seq, s));
    expect(seeds.size).toBe(2000);
    expect(streamSeed(1, 5, 1)).toBe(streamSeed(1, 5, 1));
    expect(streamSeed(2, 5, 1)).not.toBe(streamSeed(1, 5, 1));
  });
});

describe('BoundedStore', () => {
  it('evicts the least recently used key beyond its capacity', () => {
    const s = new BoundedStore<number>(3);
    s.set('a', 1);
    s.set('b', 2);
    s.set('c', 3);
    expect(s.get('a')).toBe(1);
    s.set('d', 4);
    expect(s.get('b')).toBeUndefined();
    expect([s.get('a'), s.get('c'), s.get('d')]).toEqual([1, 3, 4]);
    expect(s.size).toBe(3);
  });
});
