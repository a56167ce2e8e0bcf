import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { renderSummary } from '../../src/report/terminal.js';
import { rng } from '../../src/shared/rng.js';
import { checkClaims, type ClaimSpec } from '../../src/stats/claims.js';
import { result, variant } from '../report/fixtures.js';

/** A variant whose `overhead_ms` samples spread ±`spread` around `median` (uniform, seeded). */
function spread(name: string, median: number, spreadMs: number, n = 400, seed = 1) {
  const set = new MetricSet();
  const rand = rng(seed);
  for (let i = 0; i < n; i++) set.record('overhead_ms', median + spreadMs * (2 * rand() - 1));
  return variant(name, {}, set);
}

const claim = (over: Partial<ClaimSpec> = {}): ClaimSpec => ({
  claim: 'overhead -80%',
  metric: 'overhead_ms',
  baseline: 'fresh',
  candidate: 'ws',
  reduction: 0.8,
  tolerance: 0.05,
  ...over,
});

describe('claims', () => {
  it('supported when the whole interval reaches the claim less its tolerance', () => {
    const [c] = checkClaims([claim()], [spread('fresh', 20, 4), spread('ws', 3, 0.6, 400, 2)]);
    expect(c.verdict).toBe('supported');
    expect(c.metric).toBe('overhead_ms');
    expect(c.reduction).toBeCloseTo(0.85, 1);
    expect(c.ci95![0]).toBeLessThanOrEqual(c.reduction!);
    expect(c.ci95![1]).toBeGreaterThanOrEqual(c.reduction!);
    expect(c.ci95![0]).toBeGreaterThanOrEqual(0.75);
  });

  it('not supported when the whole interval is below; inconclusive when it straddles', () => {
    const [low] = checkClaims([claim()], [spread('fresh', 20, 4), spread('ws', 10, 2, 400, 2)]);
    expect(low.verdict).toBe('not supported');
    expect(low.reduction).toBeCloseTo(0.5, 1);
    // Few, widely spread samples around a 75% reduction: the interval crosses 75%.
    const [wide] = checkClaims([claim()], [spread('fresh', 20, 19, 9), spread('ws', 5, 4.9, 9, 2)]);
    expect(wide.verdict).toBe('inconclusive');
    expect(wide.ci95![0]).toBeLessThan(0.75);
    expect(wide.ci95![1]).toBeGreaterThan(0.75);
  });

  it('takes the first metric both variants measured, and says so when none', () => {
    const a = variant('fresh', { itl_ms: 2 });
    const b = variant('ws', { itl_ms: 1 });
    const [c] = checkClaims([claim({ metric: ['token_delay_ms', 'itl_ms'], reduction: 0.3 })], [a, b]);
    expect(c.metric).toBe('itl_ms');
    expect(c.reduction).toBeCloseTo(0.5, 2);
    const [none] = checkClaims([claim({ metric: ['token_delay_ms'] })], [a, b]);
    expect(none).toMatchObject({
      metric: null,
      verdict: 'inconclusive',
      reason: 'no token_delay_ms samples on both fresh and ws',
    });
  });

  it('the summary prints the claims as a table', () => {
    const variants = [spread('fresh', 20, 4), spread('ws', 3, 0.6, 400, 2)];
    const r = { ...result(variants), claims: checkClaims([claim()], variants) };
    const text = renderSummary(r);
    expect(text).toMatch(/^claim\s+metric\s+candidate vs baseline\s+claimed\s+measured\s+95% CI\s+verdict$/m);
    expect(text).toMatch(
      /^overhead -80%\s+overhead_ms\s+ws vs fresh\s+-80\.0%\s+-8\d\.\d%\s+-8\d\.\d% \.\. -8\d\.\d%\s+supported$/m,
    );
  });
});
