import { describe, expect, it } from 'vitest';

import { BUCKETS, histogramName, TIMED } from '../../src/output/series.js';

describe('the metrics outputs’ series', () => {
  it('names histograms from the catalog in seconds', () => {
    expect(histogramName('ttft_ms')).toBe('wirebench_ttft_seconds');
    expect(histogramName('e2e_ms')).toBe('wirebench_e2e_seconds');
  });

  it('exports the time metrics a request line holds, in ascending buckets', () => {
    expect(TIMED).toEqual(expect.arrayContaining(['ttft_ms', 'e2e_ms', 'ttfb_ms', 'overhead_ms', 'tpot_ms']));
    expect(TIMED).not.toContain('decode_tps');
    expect(BUCKETS.every((b, i) => i === 0 || b > BUCKETS[i - 1])).toBe(true);
  });
});
