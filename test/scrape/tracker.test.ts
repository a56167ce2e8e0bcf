import { describe, expect, it } from 'vitest';

import type { MetricSummary } from '../../src/result/result.js';
import { ServerMetricsTracker } from '../../src/scrape/tracker.js';

/** A wirebench-preset page whose TTFT histogram has `n` observations of `seconds` each so far. */
function page(obs: readonly [number, number][]): string {
  const bounds = [0.05, 0.1, 0.2, Infinity];
  const lines = ['# TYPE wirebench:time_to_first_token_seconds histogram'];
  let count = 0;
  let sum = 0;
  const cumulative = bounds.map((b) => obs.filter(([s]) => s <= b).reduce((n, [, k]) => n + k, 0));
  for (const [s, k] of obs) {
    count += k;
    sum += s * k;
  }
  bounds.forEach((b, i) =>
    lines.push(`wirebench:time_to_first_token_seconds_bucket{le="${b === Infinity ? '+Inf' : b}"} ${cumulative[i]}`),
  );
  lines.push(
    `wirebench:time_to_first_token_seconds_sum ${sum}`,
    `wirebench:time_to_first_token_seconds_count ${count}`,
  );
  return lines.join('\n') + '\n';
}

const source = { url: 'http://x/metrics', preset: 'wirebench', labels: {}, timeoutMs: 1000 } as const;

function scripted(pages: (string | Error)[]): () => Promise<string> {
  let i = 0;
  return () => {
    const p = pages[Math.min(i++, pages.length - 1)];
    return p instanceof Error ? Promise.reject(p) : Promise.resolve(p);
  };
}

const clientTtft = (p50: number, mean = p50): MetricSummary =>
  ({ count: 1, min: 0, mean, stdev: 0, p50, p90: p50, p95: p50, p99: p50, p999: p50, max: p50, hdr: '' }) as const;

describe('ServerMetricsTracker', () => {
  it('credits each block with the difference of the scrapes around it, summed per variant', async () => {
    // a's blocks see 0.08 s TTFTs, b's 0.15 s; interleaved a, b, a.
    const t = new ServerMetricsTracker(
      source,
      scripted([
        page([]),
        page([[0.08, 4]]),
        page([
          [0.08, 4],
          [0.15, 2],
        ]),
        page([
          [0.08, 8],
          [0.15, 2],
        ]),
      ]),
    );
    await t.mark('a');
    await t.mark('b');
    await t.mark('a');
    await t.mark(undefined);
    const a = t.result('a', { ttft_ms: clientTtft(95) })!;
    expect(a.blocks).toBe(2);
    expect(a.metrics.ttft_ms).toMatchObject({ histogram: 'wirebench:time_to_first_token_seconds', count: 8, mean: 80 });
    expect(a.metrics.ttft_ms?.p50).toMatchObject({ lo: 50, hi: 100 });
    // The split is client − server, statistic by statistic.
    expect(a.split.ttft_ms?.mean).toBeCloseTo(15, 9);
    expect(a.split.ttft_ms?.p50).toBeCloseTo(95 - a.metrics.ttft_ms!.p50.value, 9);
    const b = t.result('b', {})!;
    expect(b.metrics.ttft_ms).toMatchObject({ count: 2, mean: 150, p50: { lo: 100, hi: 200 } });
    // No client figure to set it beside: no split.
    expect(b.split).toEqual({});
    expect(t.warnings()).toEqual([]);
  });

  it('takes a histogram the page did not have yet for an empty one (servers publish from the first observation)', async () => {
    const t = new ServerMetricsTracker(source, scripted(['', page([[0.08, 3]])]));
    await t.mark('a');
    await t.mark(undefined);
    expect(t.result('a', {})).toMatchObject({ blocks: 1, metrics: { ttft_ms: { count: 3, mean: 80 } } });
    expect(t.warnings()).toEqual([]);
  });

  it('a failed scrape costs the blocks on either side of it, and says so once', async () => {
    const t = new ServerMetricsTracker(
      source,
      scripted([page([]), new Error('connect ECONNREFUSED'), page([[0.08, 4]]), page([[0.08, 6]])]),
    );
    await t.mark('a');
    await t.mark('b');
    await t.mark('a');
    await t.mark(undefined);
    expect(t.result('b', {})).toBeUndefined();
    expect(t.result('a', {})).toMatchObject({ blocks: 1, metrics: { ttft_ms: { count: 2 } } });
    expect(t.warnings()).toEqual([
      'server_metrics (http://x/metrics): 1 scrape(s) failed (connect ECONNREFUSED); the blocks around them are not counted',
    ]);
  });

  it('leaves out a block across which the server restarted', async () => {
    const t = new ServerMetricsTracker(source, scripted([page([[0.08, 5]]), page([[0.08, 1]]), page([[0.08, 3]])]));
    await t.mark('a');
    await t.mark('a');
    await t.mark(undefined);
    expect(t.result('a', {})).toMatchObject({ blocks: 1, metrics: { ttft_ms: { count: 2 } } });
    expect(t.warnings()[0]).toMatch(/1 block\(s\) left out: a counter went down/);
  });

  it('says when the page has none of the preset’s histograms', async () => {
    const t = new ServerMetricsTracker({ ...source, preset: 'vllm' }, scripted([page([[0.08, 1]])]));
    await t.mark('a');
    await t.mark(undefined);
    expect(t.result('a', {})).toEqual({ preset: 'vllm', url: 'http://x/metrics', blocks: 1, metrics: {}, split: {} });
    expect(t.warnings()).toEqual([
      "server_metrics (http://x/metrics): none of the vllm preset's histograms was found on the page",
    ]);
  });
});
