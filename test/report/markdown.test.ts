import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { cell, renderMarkdown } from '../../src/report/markdown.js';
import type { StepResult } from '../../src/result/result.js';
import { result, variant } from './fixtures.js';

/** The rows of the first markdown table in `md` (header included), split into trimmed cells. */
function firstTable(md: string): string[][] {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('| '));
  const rows: string[][] = [];
  for (let i = start; i < lines.length && lines[i].startsWith('|'); i++) {
    if (/^\|[\s\-:|]+\|$/.test(lines[i])) continue;
    rows.push(
      lines[i]
        .slice(2, -2)
        .split(' | ')
        .map((c) => c.trim()),
    );
  }
  return rows;
}

describe('markdown report', () => {
  it('puts each variant in one row with its own counts and medians', () => {
    const r = result([
      variant('http-fresh', { ttft_ms: 120, overhead_ms: 20 }),
      variant('ws-persistent', { ttft_ms: 60, overhead_ms: 2 }),
    ]);
    const md = renderMarkdown(r);
    const [head, ...rows] = firstTable(md);
    expect(head.slice(0, 3)).toEqual(['variant', 'ok / requests', 'errors']);
    expect(rows.map((row) => row[0])).toEqual(['http-fresh', 'ws-persistent']);
    const ttft = head.indexOf('TTFT p50 (ms)');
    // Printed at the precision the terminal summary uses (one decimal from 100 ms).
    expect(Number(rows[0][ttft])).toBeCloseTo(r.variants[0].metrics.ttft_ms!.p50, 1);
    expect(Number(rows[1][ttft])).toBeCloseTo(r.variants[1].metrics.ttft_ms!.p50, 2);
    expect(rows[0][1]).toBe('98 / 100');
    expect(rows[0][2]).toBe('timeout 1, reset 1');
    // The change table says what the first table implies: −50% TTFT, −90% overhead.
    expect(md).toMatch(/\| ws-persistent vs http-fresh \| -50% \(-60\.03 ms\) n\.s\. \| -90% \(-18\.02 ms\) n\.s\. \|/);
  });

  it('keeps user text from breaking the table or injecting markup', () => {
    expect(cell('a|b')).toBe('a\\|b');
    // Code spans and link/image syntax stay text.
    expect(cell('`x` ![i](http://e/x.png) [l](http://e)')).toBe('\\`x\\` !\\[i\\](http://e/x.png) \\[l\\](http://e)');
    expect(cell('<img src=x onerror=alert(1)>')).not.toContain('<');
    expect(cell('two\nlines')).toBe('two lines');
    const r = result([variant('v1', { ttft_ms: 10 })], ['a | warning\nover two lines']);
    const md = renderMarkdown(r);
    expect(md).toContain('- ⚠️ a \\| warning over two lines');
  });

  it('lists a sweep as one row per step and variant, and every failed threshold', () => {
    const steps: StepResult[] = [10, 20].map((value) => ({
      param: 'server.ttft_ms',
      value,
      variants: [
        variant('a', { ttft_ms: value }, new MetricSet()),
        variant('b', { ttft_ms: value * 2 }, new MetricSet()),
      ],
      comparisons: [],
    }));
    const r = { ...result([]), steps, sweep: { param: 'server.ttft_ms', values: [10, 20] } };
    r.thresholds = [
      { key: 'a.ttft_ms.p99', expression: '< 15', variant: 'a', value: 20.01, ok: false, step: 1 },
      { key: 'a.ttft_ms.p99', expression: '< 15', variant: 'a', value: 10.01, ok: true, step: 0 },
    ];
    const md = renderMarkdown(r);
    const [head, ...rows] = firstTable(md);
    expect(head[0]).toBe('step');
    expect(rows.map((row) => `${row[0]}/${row[1]}`)).toEqual([
      'server.ttft_ms = 10/a',
      'server.ttft_ms = 10/b',
      'server.ttft_ms = 20/a',
      'server.ttft_ms = 20/b',
    ]);
    expect(md).toContain('### Thresholds: 1 of 2 failed');
    expect(md).toContain('- ❌ a.ttft_ms.p99 < 15  a at server.ttft_ms = 20: 20.01');
    expect(md).toContain('- ✅ a.ttft_ms.p99 < 15  a at server.ttft_ms = 10: 10.01');
  });

  it('says when a run is incomplete', () => {
    const r = { ...result([variant('v', { ttft_ms: 1 })]), complete: false };
    expect(renderMarkdown(r)).toContain('**Incomplete run**');
  });

  it('marks a p99 its sample cannot resolve (fewer than 100 samples: it is the maximum) and says why', () => {
    const small = new MetricSet();
    for (let i = 1; i <= 40; i++) small.record('ttft_ms', i);
    const large = new MetricSet();
    for (let i = 1; i <= 200; i++) large.record('ttft_ms', i);
    const r = result([variant('small', {}, small), variant('large', {}, large)]);
    const md = renderMarkdown(r);
    const [head, ...rows] = firstTable(md);
    const p99 = head.indexOf('TTFT p99 (ms)');
    expect(rows[0][p99]).toBe(`${r.variants[0].metrics.ttft_ms!.p99.toFixed(2)}†`);
    expect(rows[1][p99]).toBe(r.variants[1].metrics.ttft_ms!.p99.toFixed(1));
    expect(md).toContain('† fewer samples than the percentile resolves');
  });
  it('shows overhead and TTFB once where they are one instant, and says why; both where they differ', () => {
    const md = renderMarkdown(
      result([
        variant('http', { ttfb_ms: 20, overhead_ms: 20 }),
        variant('headers-first', { ttfb_ms: 5, overhead_ms: 20 }),
      ]),
    );
    const rows = md.split('\n').filter((l) => /^\| (http|headers-first) \| /.test(l) && /ttfb_ms|overhead_ms/.test(l));
    expect(rows.map((l) => l.split(' | ').slice(0, 2).join(' | '))).toEqual([
      '| http | overhead (overhead_ms) = TTFB (ttfb_ms)',
      '| headers-first | TTFB (ttfb_ms)',
      '| headers-first | overhead (overhead_ms)',
    ]);
    expect(md).toContain("the first response bytes carried the server's acceptance");
    // Every statistic k6 and AIPerf users read is a column, with p95.
    expect(md).toMatch(
      /^\| variant \| metric \| count \| min \| p50 \| p90 \| p95 \| p99 \| p99\.9 \| max \| unit \|$/m,
    );
  });
});
