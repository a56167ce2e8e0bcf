import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { toHgrm } from '../../src/report/hgrm.js';

describe('toHgrm', () => {
  const set = new MetricSet();
  for (let i = 1; i <= 1000; i++) set.record('ttft_ms', i / 1000);
  const text = toHgrm(set.histogram('ttft_ms'));
  const lines = text.split('\n');

  it('starts with the classic header', () => {
    expect(lines[0]).toMatch(/^\s+Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)$/);
    expect(lines[1]).toBe('');
  });

  it('lists values in milliseconds with percentile, cumulative count and 1/(1-p)', () => {
    const rows = lines.slice(2).filter((l) => /^\s+\d/.test(l));
    expect(rows.length).toBeGreaterThan(10);
    const first = rows[0].trim().split(/\s+/).map(Number);
    expect(first).toEqual([0.001, 0, 1, 1]);
    const median = rows.map((r) => r.trim().split(/\s+/).map(Number)).find(([, p]) => p === 0.5);
    expect(median).toEqual([0.5, 0.5, 500, 2]);
    // The 100% line has no 1/(1-p) column.
    expect(rows[rows.length - 1].trim().split(/\s+/).map(Number)).toEqual([1, 1, 1000]);
    for (const row of rows) expect(row.slice(0, 12)).toMatch(/^\s*\d+\.\d{3}$/);
  });

  it('ends with the mean, max and bucket footer', () => {
    const footer = lines.filter((l) => l.startsWith('#['));
    expect(footer).toHaveLength(3);
    expect(footer[0]).toMatch(/^#\[Mean {4}= +0\.50\d, StdDeviation {3}= +0\.289\]$/);
    expect(footer[1]).toMatch(/^#\[Max {5}= +1\.000, Total count {4}= +1000\]$/);
    expect(footer[2]).toMatch(/^#\[Buckets = +22, SubBuckets {5}= +2048\]$/);
  });
});
