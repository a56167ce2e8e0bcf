import { describe, expect, it } from 'vitest';

import type { MetricName } from '../../src/core/catalog.js';
import { MetricSet } from '../../src/metrics/metric-set.js';
import { renderSummary } from '../../src/report/terminal.js';
import type { VariantResult } from '../../src/result/result.js';
import { result, variant } from './fixtures.js';

const fresh = variant('http-fresh', { ttft_ms: 1.5, overhead_ms: 1.2, itl_ms: 1, e2e_ms: 2, decode_tps: 1.2 });
const ws = variant('ws-persistent', { ttft_ms: 0.72, overhead_ms: 0.204, itl_ms: 0.97, e2e_ms: 1.6, decode_tps: 1.5 });

describe('renderSummary', () => {
  const text = renderSummary(result([fresh, ws], ['event loop was blocked for 120 ms', 'tokens counted from chunks']));

  it('has a block per variant with requests, throughput, errors and the latency table', () => {
    for (const name of ['http-fresh', 'ws-persistent']) expect(text).toContain(`${name}  (openai-responses, ${name})`);
    expect(text).toContain('requests 98/100 ok, 9.80 req/s, 9800.0 output tok/s (tokens: usage), 10.00 s window');
    expect(text).toContain('errors   timeout 1\n           reset 1\n');
    const lines = text.split('\n');
    const header = lines.find((l) => /p50\s+p90\s+p95\s+p99\s+max$/.test(l));
    expect(header).toBeDefined();
    const ttft = lines.find((l) => l.trimStart().startsWith('TTFT ms'));
    // Three samples: p90 and beyond are their maximum, marked and explained under the table; the
    // maximum itself is exact.
    expect(ttft).toMatch(/^ {2}TTFT ms\s+1\.50\s+1\.50†\s+1\.50†\s+1\.50†\s+1\.50$/);
    expect(text.match(/^† fewer samples than the percentile resolves \(p90 needs 10, p95 20, p99 100/gm)).toHaveLength(
      1,
    );
    // Right-aligned: every value column ends where its header ends.
    expect(ttft!.length).toBe(header!.length);
    expect(text).toMatch(/decode tok\/s\s+1\.20/);
  });

  it('gives the change of the medians against the first variant', () => {
    expect(text).toContain(
      'ws-persistent vs http-fresh: TTFT -52% (-0.780 ms) n.s., overhead -83% (-0.996 ms) n.s., ITL -3% (-0.030 ms) n.s., E2E -20% (-0.400 ms) n.s., decode tok/s +25% (+0.30 tok/s) n.s.',
    );
    // Three samples a side: no change that size can be told from chance, and the summary says so.
    expect(text).toContain('n.s. = not significant');
  });

  it('gives a significant change with its interval, colored by direction', () => {
    const many = (name: string, medians: Partial<Record<MetricName, number>>): VariantResult => {
      const set = new MetricSet();
      for (const [m, v] of Object.entries(medians) as [MetricName, number][])
        for (let i = 0; i < 30; i++) set.record(m, v);
      return variant(name, {}, set);
    };
    const colored = renderSummary(
      result([
        many('http-fresh', { ttft_ms: 1.5, decode_tps: 1.2 }),
        many('ws-persistent', { ttft_ms: 0.72, decode_tps: 1.5 }),
      ]),
      { color: true },
    );
    expect(colored).toContain('TTFT \x1b[32m-52% (-0.780 ms) [-52%, -52%]\x1b[0m');
    expect(colored).toContain('decode tok/s \x1b[32m+25% (+0.30 tok/s) [+25%, +25%]\x1b[0m');
  });

  it('ends with the warnings', () => {
    const lines = text.trimEnd().split('\n');
    expect(lines.slice(-2)).toEqual([
      'warning: event loop was blocked for 120 ms',
      'warning: tokens counted from chunks',
    ]);
  });

  it('is plain text unless asked for color', () => {
    expect(text).not.toContain('\x1b[');
    const colored = renderSummary(result([fresh, ws], ['w']), { color: true });
    expect(colored).toContain('\x1b[33mwarning: w\x1b[0m');
  });

  it('shows missing metrics as dashes and flags an incomplete run', () => {
    const only = variant('http-fresh', { ttft_ms: 1 });
    const r = { ...result([only]), complete: false };
    const out = renderSummary(r);
    expect(out).toContain('(incomplete run)');
    expect(out).toMatch(/ITL ms\s+-\s+-\s+-/);
    expect(out).not.toContain(' vs ');
    expect(out).not.toContain('warning:');
  });
});
