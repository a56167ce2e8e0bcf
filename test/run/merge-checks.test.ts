import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { type Result, type VariantResult } from '../../src/result/result.js';
import { checkThresholds } from '../../src/result/thresholds.js';
import { mergeResults } from '../../src/run/merge.js';
import { rng } from '../../src/shared/rng.js';
import { compareVariants } from '../../src/stats/changes.js';
import { checkClaims, type ClaimSpec } from '../../src/stats/claims.js';
import { result, variant } from '../report/fixtures.js';

/** The scenario as result.json stores it: as written, `${env:…}` references kept. */
const SCENARIO = {
  name: 'gate',
  target: 'embedded',
  headers: { authorization: 'Bearer ${env:API_KEY}' },
  variants: [
    { name: 'http', protocol: 'openai-responses', connection: 'http-keepalive' },
    { name: 'ws', protocol: 'openai-responses', connection: 'ws-persistent' },
  ],
  seed: 7,
  claims: [
    { claim: 'ws cuts overhead in half', metric: 'overhead_ms', baseline: 'http', candidate: 'ws', reduction: 0.5 },
  ],
  // Each fixture shard has 2 errors and 9.8 req/s; added up, 4 errors and twice the rate.
  thresholds: { '*.errors.count': '< 3', '*.throughput.requests_per_s': '> 15' },
};
/** The claims as the schema reads them (its default tolerance filled in). */
const CLAIMS: ClaimSpec[] = [
  {
    claim: 'ws cuts overhead in half',
    metric: 'overhead_ms',
    baseline: 'http',
    candidate: 'ws',
    reduction: 0.5,
    tolerance: 0.05,
  },
];

/** `n` overhead samples around `ms` into each set. */
function record(sets: readonly MetricSet[], ms: number, n: number, rand: () => number): void {
  for (let i = 0; i < n; i++) {
    const x = ms * (0.8 + 0.4 * rand());
    for (const s of sets) s.record('overhead_ms', x);
  }
}

/**
 * Shard k of n of SCENARIO, one step per value (none without `values`), as `run --shard k/n` writes it,
 * checked against its own part as a run checks it. `all[step][variant]` collects every sample.
 */
function shard(k: number, n: number, all: MetricSet[][], values?: number[]): Result {
  const rand = rng(k);
  const groups = (values ?? [0]).map((_, s) => {
    const vs = ['http', 'ws'].map((name, j) => {
      const set = new MetricSet();
      record([set, all[s][j]], j === 0 ? 20 : 8 + s, 40 * k, rand);
      return variant(name, {}, set);
    });
    return vs;
  });
  const own = {
    shard: { index: k, count: n },
    scenario: values === undefined ? SCENARIO : { ...SCENARIO, sweep: { param: 'load.concurrency', values } },
    thresholds: groups.flatMap((vs, s) =>
      checkThresholds(SCENARIO.thresholds, vs, false, values === undefined ? undefined : s),
    ),
  };
  if (values === undefined) return { ...result(groups[0]), ...own, claims: checkClaims(CLAIMS, groups[0], 7) };
  return {
    ...result([]),
    ...own,
    sweep: { param: 'load.concurrency', values },
    steps: groups.map((variants, s) => ({
      param: 'load.concurrency',
      value: values[s],
      variants,
      comparisons: compareVariants(variants),
      claims: checkClaims(CLAIMS, variants, 7),
    })),
  };
}

const collectors = (steps: number): MetricSet[][] =>
  Array.from({ length: steps }, () => [new MetricSet(), new MetricSet()]);
const overhead = (vs: readonly VariantResult[]) => vs.map((v) => v.metrics.overhead_ms);

describe('merge re-checks claims and thresholds on the sums', () => {
  it('thresholds each shard passed fail on the whole, and the other way round; claims are measured on all samples', () => {
    const all = collectors(1);
    const shards = [shard(1, 2, all), shard(2, 2, all)];
    for (const s of shards) {
      expect(s.thresholds!.map((t) => [t.key, t.ok])).toEqual([
        ['*.errors.count', true],
        ['*.errors.count', true],
        ['*.throughput.requests_per_s', false],
        ['*.throughput.requests_per_s', false],
      ]);
    }
    const merged = mergeResults(shards);
    expect(overhead(merged.variants)).toEqual(all[0].map((s) => s.summaries().overhead_ms));
    expect(merged.thresholds).toEqual(checkThresholds(SCENARIO.thresholds, merged.variants, false));
    expect(merged.thresholds!.map((t) => [t.key, t.variant, t.ok])).toEqual([
      ['*.errors.count', 'http', false],
      ['*.errors.count', 'ws', false],
      ['*.throughput.requests_per_s', 'http', true],
      ['*.throughput.requests_per_s', 'ws', true],
    ]);
    // The stored seed and the schema's default tolerance, on the merged histograms.
    expect(merged.claims).toEqual(checkClaims(CLAIMS, merged.variants, 7));
    expect(merged.claims![0].samples).toEqual({ baseline: 120, candidate: 120 });
  });

  it('needs none of the environment the shards had, but refuses a check that depended on it', () => {
    const all = collectors(1);
    const withRef = (r: Result): Result => ({
      ...r,
      scenario: { ...SCENARIO, thresholds: { '*.ttft_ms.p99': '< ${env:LIMIT}' } },
    });
    expect(() => mergeResults([shard(1, 2, all), shard(2, 2, all)].map(withRef))).toThrow(
      'the scenario\'s thresholds["*.ttft_ms.p99"] refers to the environment',
    );
  });
});

describe('merge of sweeps', () => {
  it('merges step by step: each step is one histogram of all its samples, checked on its own', () => {
    const values = [1, 2, 4];
    const all = collectors(values.length);
    const merged = mergeResults([shard(1, 3, all, values), shard(2, 3, all, values), shard(3, 3, all, values)]);
    expect(merged.variants).toEqual([]);
    expect(merged.steps!.map((s) => s.value)).toEqual(values);
    merged.steps!.forEach((st, s) => {
      expect(overhead(st.variants)).toEqual(all[s].map((set) => set.summaries().overhead_ms));
      expect(st.variants[0].counts.requests).toBe(300);
      expect(st.comparisons).toEqual(compareVariants(st.variants));
      expect(st.claims).toEqual(checkClaims(CLAIMS, st.variants, 7));
    });
    expect(merged.thresholds).toEqual(
      merged.steps!.flatMap((st, s) => checkThresholds(SCENARIO.thresholds, st.variants, false, s)),
    );
  });

  it('refuses shards that swept differently, naming the difference', () => {
    const all = collectors(3);
    const a = shard(1, 2, all, [1, 2]);
    expect(() => mergeResults([a, shard(2, 2, all, [1, 3])])).toThrow(/differ in sweep/);
    const b = shard(2, 2, all, [1, 2]);
    expect(() => mergeResults([a, { ...b, sweep: { param: 'load.concurrency', values: [1, 3] } }])).toThrow(
      'results 1 and 2 swept differently (load.concurrency over 1, 2; load.concurrency over 1, 3)',
    );
    expect(() => mergeResults([a, { ...b, steps: [b.steps![1], b.steps![0]] }])).toThrow(
      'step 1 of result 2 is load.concurrency = 2, expected load.concurrency = 1',
    );
  });

  it('a shard stopped early: only the steps every shard ran, and the result says it is incomplete', () => {
    const all = collectors(2);
    const b = shard(2, 2, all, [1, 2]);
    const merged = mergeResults([shard(1, 2, all, [1, 2]), { ...b, complete: false, steps: b.steps!.slice(0, 1) }]);
    expect(merged.steps!.map((s) => s.value)).toEqual([1]);
    expect(merged.complete).toBe(false);
    expect(merged.warnings).toContain('load.concurrency = 2 left out: not every shard ran that step');
  });
});
