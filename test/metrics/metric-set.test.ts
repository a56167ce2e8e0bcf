import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { METRICS } from '../../src/core/catalog.js';
import { decodeHistogram, HIGHEST_TRACKABLE } from '../../src/metrics/histogram.js';
import { MetricSet } from '../../src/metrics/metric-set.js';
import { summarize } from '../../src/metrics/summary.js';

describe('MetricSet', () => {
  it('summarizes only the metrics that were recorded, in reported units', () => {
    const set = new MetricSet();
    set.record('ttft_ms', 1.2346);
    set.record('ttft_ms', 2);
    set.record('decode_tps', 987.654);
    const s = set.summaries();
    expect(Object.keys(s)).toEqual(['ttft_ms', 'decode_tps']);
    expect(s.ttft_ms).toMatchObject({ count: 2, min: 1.235, max: 2 });
    expect(s.decode_tps).toMatchObject({ count: 1 });
    expect(Math.abs(s.decode_tps!.p50 - 987.654)).toBeLessThanOrEqual(987.654 / 1000);
    expect(Object.keys(set.encode())).toEqual(['ttft_ms', 'decode_tps']);
    expect(set.recorded().map(([name]) => name)).toEqual(['ttft_ms', 'decode_tps']);
  });

  it('starts empty', () => {
    const set = new MetricSet();
    expect(set.summaries()).toEqual({});
    expect(set.encode()).toEqual({});
    expect(set.clamped()).toEqual({});
    expect(set.histogram('e2e_ms').totalCount).toBe(0);
  });

  it('records each sample as round(value × 1000)', () => {
    const set = new MetricSet();
    set.record('itl_ms', 1.2344);
    set.record('itl_ms', 1.2346);
    const h = set.histogram('itl_ms');
    expect(h.getValueAtPercentile(0)).toBe(1234);
    expect(h.getValueAtPercentile(100)).toBe(1235);
  });

  it('clamps out-of-range values and counts them instead of throwing', () => {
    const set = new MetricSet();
    set.record('e2e_ms', 10 * 3_600_000);
    set.record('e2e_ms', Infinity);
    set.record('e2e_ms', -5);
    set.record('e2e_ms', NaN);
    set.record('e2e_ms', 3_600_000);
    set.record('tls_ms', -0.0004);
    const s = set.summaries();
    expect(s.e2e_ms!.count).toBe(5);
    expect(s.e2e_ms!.min).toBe(0);
    expect(Math.abs(s.e2e_ms!.max * 1000 - HIGHEST_TRACKABLE)).toBeLessThanOrEqual(HIGHEST_TRACKABLE / 1000);
    expect(s.e2e_ms!.p90).toBe(s.e2e_ms!.max);
    // -0.0004 ms rounds to 0 µs: in range.
    expect(set.clamped()).toEqual({ e2e_ms: 4 });
    expect(s.tls_ms!.max).toBe(0);
  });

  it('adds what other sets encoded exactly as if it had recorded their samples', () => {
    const samples = fc.array(fc.tuple(fc.constantFrom(...METRICS), fc.double({ min: 0, max: 100_000, noNaN: true })), {
      maxLength: 200,
    });
    fc.assert(
      fc.property(samples, samples, (a, b) => {
        const whole = new MetricSet();
        const left = new MetricSet();
        const right = new MetricSet();
        for (const [name, v] of a) {
          left.record(name, v);
          whole.record(name, v);
        }
        for (const [name, v] of b) {
          right.record(name, v);
          whole.record(name, v);
        }
        const parent = new MetricSet();
        parent.addEncoded(left.encode());
        parent.addEncoded(right.encode());
        expect(parent.summaries()).toEqual(whole.summaries());
        expect(parent.encode()).toEqual(whole.encode());
      }),
      { numRuns: 30 },
    );
  });

  it('encodes histograms that decode to the recorded counts', () => {
    const set = new MetricSet();
    for (let i = 1; i <= 1000; i++) set.record('itl_ms', i / 10);
    const h = decodeHistogram(set.encode().itl_ms);
    expect(h.totalCount).toBe(1000);
    expect(summarize(h)).toEqual(set.summaries().itl_ms);
  });

  it('rejects encoded histograms of unknown metrics', () => {
    expect(() => new MetricSet().addEncoded({ nope_ms: new MetricSet().encode().ttft_ms ?? '' })).toThrow(/nope_ms/);
  });

  it('counts a million samples exactly (speed is measured in bench/, not here)', () => {
    const set = new MetricSet();
    for (let i = 0; i < 1_000_000; i++) set.record('itl_ms', (i % 5000) / 7);
    const s = set.summaries().itl_ms!;
    expect(s.count).toBe(1_000_000);
    expect(s.max).toBeCloseTo(4999 / 7, 0);
  });
});
