import { describe, expect, it } from 'vitest';

import { renderSummary } from '../../src/report/terminal.js';
import { checkThresholds, describeThreshold, parseThreshold, type ThresholdSpec } from '../../src/result/thresholds.js';
import { parseScenario } from '../../src/scenario/load.js';
import { result, variant } from '../report/fixtures.js';

const ctx = { variants: ['fresh', 'gpt-4.1'], slo: false };

describe('parseThreshold', () => {
  it('reads the key from the right, so variant names may contain dots', () => {
    const spec = parseThreshold('gpt-4.1.ttft_ms.p99', ' <= 400 ', ctx) as ThresholdSpec;
    expect(spec).toMatchObject({ variant: 'gpt-4.1', op: '<=', limit: 400 });
    expect(parseThreshold('*.errors.rate', '< 0.01', ctx)).toMatchObject({ variant: '*', op: '<', limit: 0.01 });
    expect(parseThreshold('fresh.throughput.output_tokens_per_s', '>= 1e3', ctx)).toMatchObject({
      op: '>=',
      limit: 1000,
    });
    expect(parseThreshold('*.goodput.share', '> 0.9', { ...ctx, slo: true })).toMatchObject({ op: '>', limit: 0.9 });
    expect(parseThreshold('*.decode_tps.count', '== 3', ctx)).toMatchObject({ op: '==', limit: 3 });
  });

  it('says what is wrong, naming the key', () => {
    expect(parseThreshold('ws.ttft_ms.p99', '< 1', ctx)).toBe(
      'unknown variant "ws" in "ws.ttft_ms.p99"; expected one of fresh, gpt-4.1, or * for every variant',
    );
    expect(parseThreshold('*.ttft.p99', '< 1', ctx)).toMatch(
      /^unknown metric "ttft"; expected one of dns_ms, .*goodput in "\*\.ttft\.p99"$/,
    );
    expect(parseThreshold('*.ttft_ms.p98', '< 1', ctx)).toBe(
      'unknown statistic "p98" of ttft_ms; expected one of count, min, mean, stdev, p50, p90, p95, p99, p999, max in "*.ttft_ms.p98"',
    );
    expect(parseThreshold('*.errors.ratio', '< 1', ctx)).toMatch(
      /^unknown figure "ratio" of errors; expected one of rate, count/,
    );
    expect(parseThreshold('ttft_ms.p99', '< 1', ctx)).toMatch(/^expected a key <variant\|\*>\.<metric>\.<stat>/);
    expect(parseThreshold('*.goodput.rate', '> 1', ctx)).toMatch(/needs an slo/);
    for (const bad of ['400', '< fast', '<< 4', '!= 3', '< 4 ms']) {
      expect(parseThreshold('*.ttft_ms.p99', bad, ctx)).toMatch(
        /^expected an expression "<op> <number>" .* for "\*\.ttft_ms\.p99", got/,
      );
    }
  });

  it('the scenario file reports a bad threshold at its line and column', () => {
    const text = [
      'name: t',
      'target: embedded',
      'variants:',
      '  - { name: a, protocol: openai-responses, connection: http-keepalive }',
      'thresholds:',
      '  "a.ttft_ms.p99": "< 400"',
      '  "b.ttft_ms.p99": "< 400"',
      '  "*.ttft_ms.p50": "about 5"',
    ].join('\n');
    expect(() => parseScenario(text, 's.yaml', {})).toThrow(
      /^s\.yaml:7:\d+ thresholds\["b\.ttft_ms\.p99"\]: unknown variant "b".*\ns\.yaml:8:\d+ thresholds\["\*\.ttft_ms\.p50"\]: expected an expression/,
    );
  });
});

describe('checkThresholds', () => {
  // Values below 2.048 ms, where a histogram's p50 is exactly the recorded value.
  const variants = [variant('fresh', { ttft_ms: 2 }), variant('ws', { ttft_ms: 0.5, itl_ms: 1 })];

  it('a * key checks every variant; each result carries the value and whether it held', () => {
    const out = checkThresholds(
      { '*.ttft_ms.p50': '< 1', 'fresh.errors.rate': '<= 0.02', 'ws.errors.count': '== 1' },
      variants,
      false,
    );
    expect(out).toEqual([
      { key: '*.ttft_ms.p50', expression: '< 1', variant: 'fresh', value: 2, ok: false },
      { key: '*.ttft_ms.p50', expression: '< 1', variant: 'ws', value: 0.5, ok: true },
      { key: 'fresh.errors.rate', expression: '<= 0.02', variant: 'fresh', value: 0.02, ok: true },
      { key: 'ws.errors.count', expression: '== 1', variant: 'ws', value: 2, ok: false },
    ]);
  });

  it('fails for want of data, and names the sweep step', () => {
    const out = checkThresholds({ '*.itl_ms.p99': '< 10', '*.goodput.share': '> 0.5' }, variants, true, 2);
    expect(out.map((t) => [t.variant, t.value, t.ok, t.reason, t.step])).toEqual([
      ['fresh', null, false, 'no data', 2],
      ['ws', 1, true, undefined, 2],
      ['fresh', null, false, 'no data', 2],
      ['ws', null, false, 'no data', 2],
    ]);
    const steps = [0, 1, 2].map((value) => ({ param: 'load.concurrency', value, variants, comparisons: [] }));
    expect(describeThreshold(out[0], steps)).toBe('*.itl_ms.p99 < 10  fresh at load.concurrency = 2: no data');
  });

  it('a variant that measured no request has no error rate or throughput to pass with', () => {
    const empty = { ...variant('idle', {}), counts: { requests: 0, ok: 0, errors: {}, warmup: 0 } };
    const out = checkThresholds({ '*.errors.rate': '< 0.01', '*.throughput.requests_per_s': '>= 0' }, [empty], false);
    expect(out.every((t) => !t.ok && t.reason === 'no data')).toBe(true);
  });

  it('the summary lists every threshold with ✓ or ✗, and goodput per variant', () => {
    const withGoodput = variants.map((v) => ({
      ...v,
      goodput: { share: 0.98, rate_per_s: 9.8, good: 98, requests: 100 },
    }));
    const r = { ...result(withGoodput), thresholds: checkThresholds({ '*.ttft_ms.p50': '< 1' }, withGoodput, true) };
    const text = renderSummary(r);
    expect(text).toContain(
      'Thresholds: 1 of 2 failed\n  ✗ *.ttft_ms.p50 < 1  fresh: 2\n  ✓ *.ttft_ms.p50 < 1  ws: 0.5',
    );
    expect(text).toContain('  goodput  98/100 within the SLO (98.0%), 9.80 good req/s');
  });
});
