import { describe, expect, it } from 'vitest';

import type { MetricName } from '../../src/core/catalog.js';
import { MetricSet } from '../../src/metrics/metric-set.js';
import type { VariantResult } from '../../src/result/result.js';
import { mergeVariant } from '../../src/run/merge-variant.js';
import { variant } from '../report/fixtures.js';

// mergeVariant adds up one variant's shards; refusing shards that ran other scenarios, versions or flags
// is mergeResults' job before it gets here (merge.test.ts), as is the merged window across shards.

/** A shard's entry for variant `sse`, its metrics recorded from `samples` (also into `all`, when given). */
function part(
  samples: Partial<Record<MetricName, readonly number[]>>,
  extra: Partial<VariantResult> = {},
  all?: MetricSet,
): VariantResult {
  const set = new MetricSet();
  for (const [metric, values] of Object.entries(samples) as [MetricName, number[]][]) {
    for (const v of values) {
      set.record(metric, v);
      all?.record(metric, v);
    }
  }
  return { ...variant('sse', {}, set), ...extra };
}

const times = (n: number, v: number): number[] => Array.from({ length: n }, () => v);

describe('mergeVariant: histograms', () => {
  it('adds the histograms exactly: the summaries of one set holding every sample', () => {
    const all = new MetricSet();
    const a = part({ ttft_ms: [12, 15, 40, 41], itl_ms: [1.5, 2] }, {}, all);
    const b = part({ ttft_ms: [9, 300], itl_ms: [3] }, {}, all);
    // A metric only one shard saw (redirects happened there only) comes through too.
    const c = part({ ttft_ms: [20], redirect_ms: [55, 60] }, {}, all);
    const merged = mergeVariant([a, b, c]);
    expect(merged.metrics).toEqual(all.summaries());
    expect(merged.metrics.ttft_ms!.count).toBe(7);
    expect(merged.metrics.itl_ms!.count).toBe(3);
    expect(merged.metrics.redirect_ms!.count).toBe(2);
  });

  it('recomputes percentiles from the sum, never averages them', () => {
    // 90 fast requests on one shard, 10 slow ones on the other: the p95 of the run is a slow one.
    const merged = mergeVariant([part({ e2e_ms: times(90, 10) }), part({ e2e_ms: times(10, 1000) })]);
    const e2e = merged.metrics.e2e_ms!;
    expect(e2e.p50).toBeCloseTo(10, 1);
    expect(e2e.p90).toBeCloseTo(10, 1);
    expect(e2e.p95).toBeCloseTo(1000, -1);
    expect(e2e.max).toBeCloseTo(1000, -1);
    expect(e2e.mean).toBeCloseTo(0.9 * 10 + 0.1 * 1000, 0);
  });

  it('refuses a histogram of a metric it does not know, naming it', () => {
    const a = part({ ttft_ms: [1] });
    const bad = { ...part({}), metrics: { ...a.metrics, ttft_sec: a.metrics.ttft_ms } } as VariantResult;
    expect(() => mergeVariant([a, bad])).toThrow('unknown metric in encoded histograms: ttft_sec');
  });
});

describe('mergeVariant: counts and tokens', () => {
  it('sums counts, errors by class, tokens and connections; names come from the first part', () => {
    const a = part({}, { counts: { requests: 10, ok: 8, errors: { timeout: 2 }, warmup: 2 } });
    const b = part(
      {},
      {
        counts: { requests: 5, ok: 3, errors: { timeout: 1, reset: 1 }, warmup: 1, retries: 4 },
        tokens: { output: 30, input: 50, source: 'tokenizer', by_source: { usage: 0, tokenizer: 3, chunks: 0 } },
        connections: { opened: 2 },
      },
    );
    const merged = mergeVariant([a, b]);
    expect(merged).toMatchObject({ name: 'sse', protocol: 'openai-responses', connection: 'sse' });
    // Optional counts appear only when some part has any: interrupted and cancelled stay absent.
    expect(merged.counts).toEqual({ requests: 15, ok: 11, errors: { timeout: 3, reset: 1 }, warmup: 3, retries: 4 });
    expect(merged.tokens).toEqual({
      output: a.tokens.output + 30,
      input: a.tokens.input + 50,
      // Usage on one shard, the tokenizer on the other: the merged source says both were used.
      source: 'mixed',
      by_source: { usage: 98, tokenizer: 3, chunks: 0 },
    });
    expect(merged.connections).toEqual({ opened: 102 });
  });

  it('adds cached input and output lengths over the parts that report them', () => {
    const lengths = { requests: 10, short: 1, requested_tokens: 1000, received_tokens: 950 };
    const a = part({}, { output_lengths: lengths });
    const b = part({}, { output_lengths: lengths });
    b.tokens = { ...b.tokens, cached_input: 400 };
    const merged = mergeVariant([a, b]);
    expect(merged.tokens.cached_input).toBe(400);
    expect(merged.output_lengths).toEqual({ requests: 20, short: 2, requested_tokens: 2000, received_tokens: 1900 });
  });

  it('leaves out every optional block no part has', () => {
    const merged = mergeVariant([part({}), part({})]);
    for (const key of ['output_lengths', 'wire', 'rate', 'goodput', 'sessions', 'started_at', 'ended_at'] as const) {
      expect(merged).not.toHaveProperty(key);
    }
    expect(merged.tokens).not.toHaveProperty('cached_input');
    expect(merged.counts).not.toHaveProperty('interrupted');
  });
});

describe('mergeVariant: rates and window', () => {
  it('throughput is the summed work over the merged window, not a sum of the shards’ rates', () => {
    // Untimed parts (no measured request has wall-clock ends) count with their window alone.
    const a = part({}, { window_s: 10, counts: { requests: 50, ok: 50, errors: {}, warmup: 0 } });
    const b = part({}, { window_s: 8, counts: { requests: 30, ok: 30, errors: {}, warmup: 0 } });
    const merged = mergeVariant([a, b]);
    expect(merged.window_s).toBe(10);
    expect(merged.throughput).toEqual({
      requests_per_s: 8,
      output_tokens_per_s: (a.tokens.output + b.tokens.output) / 10,
    });
  });

  it('an open loop’s rates add up, but only when every shard ran one', () => {
    const a = part({}, { rate: { requested: 10, achieved: 9.995 } });
    const b = part({}, { rate: { requested: 5, achieved: 4.999 } });
    expect(mergeVariant([a, b]).rate).toEqual({ requested: 15, achieved: 14.99 });
    expect(mergeVariant([a, part({})])).not.toHaveProperty('rate');
  });

  it('times the union from the shards that measured something; a shard without times adds its window only', () => {
    const at = (s: number): string => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
    const a = part({}, { window_s: 10, started_at: at(0), ended_at: at(10) });
    const b = part({}, { window_s: 10, started_at: at(3), ended_at: at(13) });
    const idle = part({}, { window_s: 2 });
    const merged = mergeVariant([a, idle, b]);
    expect(merged).toMatchObject({ window_s: 13, started_at: at(0), ended_at: at(13) });
  });

  it('goodput adds its counts and recomputes share and rate over the merged window', () => {
    const a = part({}, { window_s: 4, goodput: { share: 1, rate_per_s: 2.5, good: 10, requests: 10 } });
    const b = part({}, { window_s: 4, goodput: { share: 0, rate_per_s: 0, good: 0, requests: 30 } });
    expect(mergeVariant([a, b]).goodput).toEqual({ share: 0.25, rate_per_s: 2.5, good: 10, requests: 40 });
  });
});
