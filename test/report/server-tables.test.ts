import { describe, expect, it } from 'vitest';

import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { SERVER_NOTE, serverRows } from '../../src/report/server-tables.js';
import { renderSummary } from '../../src/report/terminal.js';
import type { ServerMetricsResult } from '../../src/result/result.js';
import { result, variant } from './fixtures.js';

/** A server whose TTFT is 40.8 ms on average, its median in the 40–60 ms bucket; no ITL seen. */
const SERVER: ServerMetricsResult = {
  preset: 'vllm',
  url: 'http://gpu:8000/metrics',
  blocks: 6,
  metrics: {
    ttft_ms: {
      histogram: 'vllm:time_to_first_token_seconds',
      count: 130,
      mean: 40.8,
      p50: { value: 41.3, lo: 40, hi: 60 },
      p90: { value: 55, lo: 40, hi: 60 },
      p99: { value: 250, lo: 250, hi: null },
    },
  },
  split: { ttft_ms: { mean: 20.4, p50: 17.4, p90: 10, p99: -100 } },
};

describe('server vs client tables', () => {
  const v = { ...variant('ws', { ttft_ms: 58.7 }), server_metrics: SERVER };
  const client = v.metrics.ttft_ms!;

  it('set each statistic of the server beside the client’s, with its bucket and the difference', () => {
    expect(serverRows(v)).toEqual([
      ['', '', 'client', 'server', 'server bucket', 'client − server [range]'],
      ['TTFT ms (n 130)', 'mean', client.mean.toFixed(2), '40.80', 'exact', '20.40'],
      [
        '',
        'p50',
        client.p50.toFixed(2),
        '41.30',
        '40.00–60.00',
        `17.40 [${(client.p50 - 60).toFixed(2)}, ${(client.p50 - 40).toFixed(2)}]`,
      ],
      ['', 'p90', client.p90.toFixed(2), '55.00', '40.00–60.00', expect.stringMatching(/^10\.00 \[/)],
      ['', 'p99', client.p99.toFixed(2), '250.0', '250.0–∞', `-100.0 [−∞, ${(client.p99 - 250).toFixed(1)}]`],
    ]);
  });

  it('are left out of a variant without server figures', () => {
    expect(serverRows(variant('ws', { ttft_ms: 58.7 }))).toBeUndefined();
    expect(serverRows({ ...v, server_metrics: { ...SERVER, metrics: {}, split: {} } })).toBeUndefined();
  });

  it('reach the terminal, markdown and HTML reports, with where the figures came from', () => {
    const r = result([v, variant('http', { ttft_ms: 70 })]);
    const source = 'vllm histograms at http://gpu:8000/metrics, 6 blocks';
    expect(renderSummary(r)).toContain(`server vs client (${source})`);
    const md = renderMarkdown(r);
    expect(md).toContain(`### ws: server vs client (${source})`);
    expect(md).toContain('| TTFT ms (n 130) | mean |');
    expect(md).toContain(SERVER_NOTE.slice(0, 40));
    const html = renderHtml(r);
    expect(html).toContain('Server vs client');
    expect(html).toContain('<td>40.00–60.00</td>');
    // Only the variant that has server figures gets a table.
    expect(md).not.toContain('### http: server vs client');
  });
});
