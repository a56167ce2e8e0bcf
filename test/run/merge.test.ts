import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { VariantRecorder } from '../../src/metrics/variant-recorder.js';
import type { Result, VariantResult } from '../../src/result/result.js';
import { mergeResults } from '../../src/run/merge.js';
import { variantResult } from '../../src/run/variant-result.js';
import { shardLoad, shareOf } from '../../src/scenario/shard.js';
import { rng } from '../../src/shared/rng.js';
import { result, variant } from '../report/fixtures.js';

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
    const shards = [1, 2, 3, 4].map((k) =>
      shard(
        k,
        4,
        Array.from({ length: 200 + 50 * k }, () => 50 + 400 * rand() ** 3),
        all,
      ),
    );
    const merged = mergeResults(shards);
    const v = merged.variants[0];
    expect(v.counts.requests).toBe(4 * 100);
    expect(v.metrics).toEqual(all.summaries());
    expect(merged.merged_from).toBe(4);
    expect(merged.shards!.map((s) => s.index)).toEqual([1, 2, 3, 4]);
  });

  it('refuses other scenarios, duplicate shards, unsharded results and different splits, saying which', () => {
    const all = new MetricSet();
    const a = shard(1, 2, [1, 2], all);
    expect(() => mergeResults([a, shard(2, 2, [3], all, 'other')])).toThrow(/different scenarios \(gate, other\)/);
    expect(() => mergeResults([a, shard(1, 2, [3], all)])).toThrow('results 1 and 2 are both shard 1/2');
    expect(() => mergeResults([a, { ...shard(2, 2, [3], all), shard: undefined }])).toThrow('result 2 is not a shard');
    expect(() => mergeResults([a, shard(2, 3, [3], all)])).toThrow(/split the load differently/);
    const edited = { ...shard(2, 2, [3], all), scenario: { name: 'gate', seed: 2 } };
    expect(() => mergeResults([a, edited])).toThrow(
      'results 1 and 2 ran different versions of scenario gate (they differ in seed)',
    );
    const flagged = { ...shard(2, 2, [3], all), overrides: { requests: 10, shard: { index: 2, count: 2 } } };
    expect(() => mergeResults([a, flagged])).toThrow(/ran with different flags/);
  });
});

const T0 = Date.UTC(2026, 10, 26, 6, 0, 0);
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();

/** A variant measured for `window` seconds between `start` and `end` (seconds after T0) on the wall clock. */
function timed(window: number, start: number, end: number, extra: Partial<VariantResult> = {}): VariantResult {
  return { ...variant('sse', {}), window_s: window, started_at: at(start), ended_at: at(end), ...extra };
}

const shardsOf = (parts: readonly VariantResult[]): Result[] =>
  parts.map((v, i) => ({ ...result([v]), scenario: { name: 'gate' }, shard: { index: i + 1, count: parts.length } }));

describe('merged window', () => {
  it('shards not interleaved, started 2 s apart: the union of their windows, and throughput over it', () => {
    const parts = [timed(10, 0, 10), timed(10, 2, 12)];
    const v = mergeResults(shardsOf(parts)).variants[0];
    expect(v.window_s).toBe(12);
    expect(v).toMatchObject({ started_at: at(0), ended_at: at(12) });
    const ok = parts[0].counts.ok + parts[1].counts.ok;
    expect(v.throughput.requests_per_s).toBeCloseTo(ok / 12, 2);
    expect(v.throughput.output_tokens_per_s).toBeCloseTo((parts[0].tokens.output + parts[1].tokens.output) / 12, 1);
  });

  it('interleaved with another variant: its blocks, not its span; shards 2 s apart add the 2 s', () => {
    expect(mergeResults(shardsOf([timed(10, 0, 20), timed(10, 0, 20)])).variants[0].window_s).toBe(10);
    expect(mergeResults(shardsOf([timed(10, 0, 20), timed(10, 2, 22)])).variants[0].window_s).toBe(12);
  });

  it('always between the longest shard window and the union of the spans', () => {
    const part = fc
      .record({
        start: fc.integer({ min: 0, max: 100 }),
        span: fc.integer({ min: 1, max: 100 }),
        busy: fc.double({ min: 0.05, max: 1, noNaN: true }),
      })
      .map(({ start, span, busy }) => timed(Math.round(span * busy * 1000) / 1000, start, start + span));
    fc.assert(
      fc.property(fc.array(part, { minLength: 2, maxLength: 5 }), (parts) => {
        const w = mergeResults(shardsOf(parts)).variants[0].window_s;
        const union =
          Math.max(...parts.map((p) => Date.parse(p.ended_at!))) -
          Math.min(...parts.map((p) => Date.parse(p.started_at!)));
        expect(w).toBeGreaterThanOrEqual(Math.max(...parts.map((p) => p.window_s)) - 1e-9);
        expect(w).toBeLessThanOrEqual(union / 1000 + 1e-9);
      }),
    );
  });

  it('goodput, wire bytes and sessions add up; share and rates follow from the sums', () => {
    const parts = [
      timed(10, 0, 10, {
        goodput: { share: 0.9, rate_per_s: 9, good: 90, requests: 100 },
        wire: { bytes_in: 1000, output_tokens: 10, bytes_per_output_token: 100 },
      }),
      timed(10, 0, 10, {
        goodput: { share: 0.5, rate_per_s: 5, good: 50, requests: 100 },
        wire: { bytes_in: 3000, output_tokens: 10, bytes_per_output_token: 300 },
      }),
    ].map((p) => ({ ...p, sessions: { total: 10, ok: 9, failed: 1, interrupted: 0 } }));
    const v = mergeResults(shardsOf(parts)).variants[0];
    expect(v.goodput).toEqual({ share: 0.7, rate_per_s: 14, good: 140, requests: 200 });
    expect(v.wire).toEqual({ bytes_in: 4000, output_tokens: 20, bytes_per_output_token: 200 });
    expect(v.sessions).toEqual({ total: 20, ok: 18, failed: 2, interrupted: 0 });
  });

  it("a variant's wall-clock start and end are its first measured start and last measured end, across blocks", () => {
    const rec = new VariantRecorder('v', 0, undefined, () => {});
    const request = (start: number): Timeline => {
      const tl = new Timeline(start, start);
      tl.ack(start + 1e6);
      tl.usage(3, 2, undefined);
      tl.done(start + 4e6, 'r');
      return tl;
    };
    const ms = 1e6;
    rec.commit(request(1000 * ms), 0, false, 1000 * ms);
    rec.commit(request(1010 * ms), 1, false, 1010 * ms);
    rec.endBlock(); // another variant's block runs from 1014 to 1100 ms
    rec.commit(request(1100 * ms), 2, false, 1100 * ms);
    const v = variantResult(
      { name: 'v', protocol: 'openai-responses', connection: 'http-keepalive' },
      rec,
      undefined,
      (t) => new Date(T0 + t / 1e6),
    );
    expect(v).toMatchObject({ started_at: at(1), ended_at: at(1.104), window_s: 0.018 });
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
    expect(shardLoad(load, { index: 2, count: 4 })).toEqual({
      kind: 'open',
      rate: 25,
      requests: 3,
      warmup: 1,
      seed: 8,
    });
    expect(shardLoad({ kind: 'closed', concurrency: 2, requests: 10 }, { index: 3, count: 3 })).toEqual([
      { path: '--shard', message: 'shard 3/3 gets no concurrency (load.concurrency is 2)' },
    ]);
  });
});
