import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { rng } from '../../src/shared/rng.js';
import { compareMetric } from '../../src/stats/compare.js';
import { checkRule, parseFailOn } from '../../src/stats/fail-on.js';
import { variant } from '../report/fixtures.js';

/**
 * A tail-only change: the same bulk of 970 TTFTs on both sides, the slowest 3% at 300–400 ms in the
 * baseline and at 120–130 ms in the candidate. The median cannot tell them apart; p99 (−65%) can.
 */
const rand = rng(11);
const bulk = Array.from({ length: 970 }, () => 100 + 10 * rand());
const tail = (lo: number, width: number): number[] => Array.from({ length: 30 }, () => lo + width * rand());
function side(name: string, values: number[]) {
  const set = new MetricSet();
  for (const v of values) set.record('ttft_ms', v);
  return variant(name, {}, set);
}
const base = side('base', [...bulk, ...tail(300, 100)]);
const cand = side('cand', [...bulk, ...tail(120, 10)]);
const cmp = compareMetric('base', base.metrics.ttft_ms!, 'cand', cand.metrics.ttft_ms!, 'ttft_ms', 3);

describe('verdicts per statistic', () => {
  it('calls a tail that moved, under a median that did not, by its own interval', () => {
    expect(cmp.stats.p99.change).toBeLessThan(-0.6);
    expect(cmp.ci95.p99![1]).toBeLessThan(0);
    expect(cmp.verdicts).toMatchObject({ p50: 'no significant change', p99: 'faster', p999: 'faster' });
  });
});

describe('--fail-on', () => {
  const check = (text: string) => checkRule(parseFailOn(text), base, cand, [cmp]);

  it('judges a relative rule on the statistic it names, and says what decided it', () => {
    expect(check('ttft_ms.p99<-30%')).toMatchObject({
      ok: false,
      statistic: 'ttft_ms.p99',
      change: cmp.stats.p99.change,
      ci95: cmp.ci95.p99,
      decided_by: 'interval',
    });
    expect(check('ttft_ms.p99>+10%')).toMatchObject({ ok: true, decided_by: 'change' });
    // p50 barely moved: beyond a rule of −0.01% perhaps, but not significantly.
    const p50 = check('ttft_ms.p50<-0.0001%');
    expect(p50.ok).toBe(true);
    expect(p50.decided_by).toBe(cmp.stats.p50.change < -0.000001 ? 'interval' : 'change');
  });

  it('fails a tail rule the samples cannot judge: a p99 of 40 requests is their maximum', () => {
    // Twice as slow on every request: the median's change is judged, the p99's is beyond the rule but
    // is a maximum, whose bootstrap would be biased.
    const few = (name: string, k: number) =>
      side(
        name,
        bulk.slice(0, 40).map((v) => k * v),
      );
    const [b, c] = [few('base', 1), few('cand', 2)];
    const small = compareMetric('base', b.metrics.ttft_ms!, 'cand', c.metrics.ttft_ms!, 'ttft_ms', 3);
    expect(small.ci95.p99).toBeUndefined();
    expect(small.verdicts).toMatchObject({ p50: 'slower', p90: 'slower', p95: 'slower' });
    expect(small.verdicts.p99).toBeUndefined();
    const rule = (text: string) => checkRule(parseFailOn(text), b, c, [small]);
    expect(rule('ttft_ms.p99>+10%')).toMatchObject({ ok: false, decided_by: 'too few samples', samples_needed: 100 });
    expect(rule('ttft_ms.p99>+200%')).toMatchObject({ ok: true, decided_by: 'change' });
    expect(rule('ttft_ms.p50>+10%')).toMatchObject({ ok: false, decided_by: 'interval' });
  });

  it('judges a limit on the candidate, for any statistic and either direction', () => {
    expect(check('ttft_ms.max>200')).toMatchObject({ ok: true, decided_by: 'limit' });
    expect(check('ttft_ms.max>120')).toMatchObject({ ok: false, candidate: cmp.stats.max.candidate });
    expect(check('ttft_ms.min<99')).toMatchObject({ ok: true });
    expect(check('ttft_ms.min<101')).toMatchObject({ ok: false });
    expect(check('ttft_ms.count<1000')).toMatchObject({ ok: true, candidate: 1000 });
    expect(check('ttft_ms.count<1001')).toMatchObject({ ok: false });
  });

  it('limits the candidate’s share of failed requests, and fails a metric neither side measured', () => {
    // The fixture's variants: 98 of 100 requests ok.
    expect(check('errors.rate>0.01')).toMatchObject({ ok: false, statistic: 'errors.rate', candidate: 0.02 });
    expect(check('errors.rate>0.05')).toMatchObject({ ok: true, baseline: 0.02 });
    expect(check('e2e_ms.p99>1')).toMatchObject({ ok: false, decided_by: 'no data' });
  });

  it('refuses a bad rule with one message naming it', () => {
    const refusal = (text: string) => {
      try {
        parseFailOn(text);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error(`accepted ${text}`);
    };
    expect(refusal('ttft_ms.p98>1')).toBe(
      '--fail-on "ttft_ms.p98>1": unknown statistic p98 of ttft_ms (known: count, min, mean, stdev, p50, p90, p95, p99, p999, max)',
    );
    expect(refusal('ttft_ms.max>+10%')).toMatch(/^--fail-on "ttft_ms\.max>\+10%": a relative rule needs .*p999\)/);
    expect(refusal('errors.rate>+1%')).toMatch(/^--fail-on "errors\.rate>\+1%": errors\.rate takes a limit/);
    expect(refusal('ttft.p50>1')).toMatch(/^--fail-on "ttft\.p50>1": unknown metric "ttft"/);
    expect(refusal('ttft_ms.p99>=1')).toMatch(/^--fail-on "ttft_ms\.p99>=1": expected .* with > or </);
  });
});
