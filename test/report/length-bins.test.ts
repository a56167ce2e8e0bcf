import { describe, expect, it } from 'vitest';

import { decodeHistogram, type Histogram, newHistogram } from '../../src/metrics/histogram.js';
import { MetricSet } from '../../src/metrics/metric-set.js';
import { type LengthBins, lengthBins } from '../../src/report/length-bins.js';

/** A length histogram as result.json holds it: recorded by a MetricSet, encoded, decoded. */
function hist(values: readonly (readonly [number, number])[]): Histogram {
  const set = new MetricSet();
  for (const [v, n] of values) for (let i = 0; i < n; i++) set.record('input_tokens', v);
  return decodeHistogram(set.summaries().input_tokens!.hdr);
}

/** The count of the bin whose label names `tokens`. */
function countAt(b: LengthBins, series: number, tokens: number): number {
  const k = b.bins.findIndex((x) => x.from < tokens && tokens < x.to);
  return b.counts[series][k];
}

const filled = (counts: readonly number[]): number => counts.filter((c) => c > 0).length;

describe('lengthBins', () => {
  it('draws a constant length as one bar, one token wide, among empty neighbours', () => {
    const b = lengthBins([hist([[512, 200]])])!;
    expect(b.scale).toBe('linear');
    expect(b.bins.length).toBeGreaterThanOrEqual(9);
    expect(filled(b.counts[0])).toBe(1);
    const k = b.counts[0].indexOf(200);
    expect(b.bins[k]).toEqual({ from: 511.5, to: 512.5, label: '512 tokens' });
  });

  it('bins lengths the histogram cannot tell apart no narrower than its bucket', () => {
    // 4096 tokens are recorded as 4096000, in a bucket of 2048 units: 4096, 4097 and 4098 look alike.
    const b = lengthBins([hist([[4096, 10]])])!;
    expect(filled(b.counts[0])).toBe(1);
    expect(b.bins[b.counts[0].indexOf(10)].label).toBe('4095–4099 tokens');
  });

  it('spreads a narrow range over equal bins of 1, 2 or 5 × 10^k', () => {
    const uniform = Array.from({ length: 551 }, (_, i) => [50 + i, 1] as const);
    const b = lengthBins([hist(uniform)])!;
    expect(b.scale).toBe('linear');
    expect(b.bins[0].label).toBe('40–59 tokens');
    expect(b.bins.at(-1)!.label).toBe('600–619 tokens');
    expect(b.counts[0][0]).toBe(10);
    expect(countAt(b, 0, 65)).toBe(20);
    expect(countAt(b, 0, 605)).toBe(1);
    expect(b.counts[0].reduce((a, c) => a + c)).toBe(551);
  });

  it('bins a spread over decades in log10 steps, every bin holding whole lengths', () => {
    const b = lengthBins([
      hist([
        [16, 3],
        [100, 5],
        [1000, 7],
        [15_999, 2],
      ]),
    ])!;
    expect(b.scale).toBe('log');
    expect(b.bins.length).toBeLessThanOrEqual(30);
    for (const [tokens, n] of [
      [16, 3],
      [100, 5],
      [1000, 7],
      [15_999, 2],
    ])
      expect(countAt(b, 0, tokens), String(tokens)).toBe(n);
    expect(filled(b.counts[0])).toBe(4);
    b.bins.forEach((x, k) => {
      expect(x.to - x.from).toBeGreaterThanOrEqual(1);
      if (k > 0) expect(x.from).toBe(b.bins[k - 1].to);
    });
  });

  it('bins several histograms alike: output received beside output asked for', () => {
    const received = hist([
      [400, 30],
      [120, 10],
    ]);
    const asked = hist([
      [120, 10],
      [450, 10],
      [590, 20],
    ]);
    const b = lengthBins([received, asked])!;
    expect(b.counts.map((c) => c.length)).toEqual([b.bins.length, b.bins.length]);
    expect([countAt(b, 0, 400), countAt(b, 0, 120), countAt(b, 0, 590)]).toEqual([30, 10, 0]);
    expect([countAt(b, 1, 400), countAt(b, 1, 120), countAt(b, 1, 590)]).toEqual([0, 10, 20]);
  });

  it('has no bins for empty histograms', () => {
    expect(lengthBins([newHistogram(), newHistogram()])).toBeUndefined();
  });
});
