import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { cdfCurve, percentileCurve } from '../../src/report/distribution.js';

function summaryOf(values: readonly number[]) {
  const set = new MetricSet();
  for (const v of values) set.record('ttft_ms', v);
  return set.summaries().ttft_ms!;
}

describe('distribution curves', () => {
  it('percentile curve: non-decreasing, from the minimum to the maximum, as far into the tail as the samples go', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.001, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (values) => {
          const s = summaryOf(values);
          const curve = percentileCurve(s);
          for (let k = 1; k < curve.length; k++) {
            expect(curve[k][0]).toBeGreaterThanOrEqual(curve[k - 1][0]);
            expect(curve[k][1]).toBeGreaterThanOrEqual(curve[k - 1][1]);
          }
          expect(curve[0]).toEqual([0, s.min]);
          expect(curve[curve.length - 1][1]).toBe(s.max);
          // The last percentile is 1 − 1/n: a sample of n cannot say more about the tail.
          const n = Math.max(values.length, 2);
          expect(curve[curve.length - 1][0]).toBeCloseTo(100 * (1 - 1 / n), 6);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('CDF: the fraction at each value is the share of samples at or below it (to histogram precision)', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const cdf = cdfCurve(summaryOf(values));
    for (const [x, f] of cdf) {
      const share = values.filter((v) => v <= x).length / values.length;
      // Bucket width at ≤ 1000 is under 0.1%: the reported (bucket top) value is within one bucket.
      expect(Math.abs(share - f)).toBeLessThanOrEqual(0.0015);
    }
  });
});
