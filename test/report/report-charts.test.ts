import { describe, expect, it } from 'vitest';

import { axisLabel, METRIC_INFO } from '../../src/core/catalog.js';
import { MetricSet } from '../../src/metrics/metric-set.js';
import { colourOf, distributionCharts, sweepCharts } from '../../src/report/report-charts.js';
import type { Result } from '../../src/result/result.js';
import { result, variant } from './fixtures.js';

/** A variant with `n` TTFT samples around `at` ms and ITL gaps of which `zeros` in 10 are 0 ms. */
function measured(name: string, n: number, at: number, zeros = 0) {
  const set = new MetricSet();
  for (let i = 0; i < n; i++) {
    set.record('ttft_ms', at + (i % 10));
    set.record('itl_ms', i % 10 < zeros ? 0 : 0.5 + (i % 7) * 20);
  }
  return variant(name, {}, set);
}

function sweep(counts: readonly number[]): Result {
  const r = result([]);
  r.steps = counts.map((n, k) => ({
    param: 'load.concurrency',
    value: k + 1,
    variants: [measured('http', n, 150 + 10 * k), measured('ws', n, 120 + 10 * k)],
    comparisons: [],
  }));
  return r;
}

const figure = (charts: string[], id: string): string => charts.find((c) => c.includes(`id="${id}"`))!;
const caption = (html: string): string => /<figcaption>([^<]*)</.exec(html)![1];

describe('sweep charts', () => {
  it('marks every step and draws a p99 only where the step has the 100 samples it needs', () => {
    const r = sweep([22, 150, 150]);
    const ttft = figure(sweepCharts(r, colourOf(r)), 'sweep-ttft_ms');
    expect(caption(ttft)).toBe('TTFT (ms) — p50 and p99 vs load.concurrency');
    const p99 = /<polyline [^>]*data-series="http p99"[^>]*points="([^"]*)"/.exec(ttft)![1];
    expect(p99.split(' ')).toHaveLength(2);
    expect(ttft.match(/class="markers"/g)).toHaveLength(4);
    expect(ttft).toContain('2 of 6 steps × variants, as few as 22');
  });

  it('leaves p99 out of the title when no step resolves it', () => {
    const r = sweep([22, 22]);
    const ttft = figure(sweepCharts(r, colourOf(r)), 'sweep-ttft_ms');
    expect(caption(ttft)).toBe('TTFT (ms) — p50 vs load.concurrency');
    expect(ttft).not.toContain('p99"');
  });
});

describe('distribution charts', () => {
  const r = result([measured('http', 200, 150, 2), measured('ws', 200, 120)]);
  const { percentiles, cdfs } = distributionCharts(r, colourOf(r));

  it('titles every chart from the catalog, in the summaries’ order', () => {
    expect(percentiles.map(caption)).toEqual([
      `${axisLabel('ttft_ms')} — percentile distribution`,
      `${axisLabel('itl_ms')} — percentile distribution`,
    ]);
    expect(cdfs.map(caption)).toEqual(['TTFT (ms) — cumulative distribution', 'ITL (ms) — cumulative distribution']);
    expect(percentiles[0]).toContain(METRIC_INFO.ttft_ms.description);
  });

  it('shows the zero gaps of a log-axis CDF at its left end and says how many there are', () => {
    const itl = figure(cdfs, 'cdf-itl_ms');
    expect(itl).toMatch(/>≤0\.1<\/text>/);
    expect(itl).toContain('gaps of 0 ms (same chunk), drawn at the axis’ left end: http 20%</p>');
  });

  it('starts a latency axis near its data rather than at 0', () => {
    const ttft = figure(percentiles, 'pct-ttft_ms');
    const lowest = Number(/<g class="y-axis">.*?text-anchor="end">([^<]*)</.exec(ttft)![1]);
    expect(lowest).toBeGreaterThanOrEqual(100);
    expect(lowest).toBeLessThanOrEqual(120);
  });
});
