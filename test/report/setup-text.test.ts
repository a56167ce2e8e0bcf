import { describe, expect, it } from 'vitest';

import { describeSetup } from '../../src/report/setup-text.js';
import { renderSummary } from '../../src/report/terminal.js';
import { result, variant } from './fixtures.js';

describe('describeSetup', () => {
  const base = result([variant('http-fresh', { ttft_ms: 1 })]);

  it('says the load as it ran, the sweep and the embedded server before any number', () => {
    const r = {
      ...base,
      target: 'embedded (http://127.0.0.1:4000)',
      scenario: { name: 't', server: { ttft_ms: 150, tps: 1000 } },
      load: { kind: 'open', rate: 20, arrival: 'poisson', requests: 100, duration: undefined, warmup: 5 },
      sweep: { param: 'load.rate', values: [10, 20] },
    };
    expect(describeSetup(r)).toEqual([
      'load: open, rate 20, arrival poisson, requests 100, warmup 5 (per variant)',
      'sweep: load.rate = 10, 20',
      'server: ttft_ms 150, tps 1000',
    ]);
    const lines = renderSummary(r).split('\n');
    // Right under the title line, above the first variant's block.
    expect(lines[1]).toBe('load: open, rate 20, arrival poisson, requests 100, warmup 5 (per variant)');
    expect(lines.indexOf('server: ttft_ms 150, tps 1000')).toBeLessThan(
      lines.findIndex((l) => l.startsWith('http-fresh')),
    );
  });

  it('says a recording is one, instead of a load per variant', () => {
    const r = { ...base, load: { kind: 'recorded', proxy: 'http://127.0.0.1:5000', timed: 12, untimed: 3 } };
    expect(describeSetup(r)).toEqual([
      'recorded by wirebench record through http://127.0.0.1:5000: 12 timed exchanges, 3 passed through untimed',
    ]);
  });

  it('leaves out a remote server and what an older result does not record', () => {
    expect(describeSetup({ ...base, scenario: { server: { ttft_ms: 1 } } })).toEqual([]);
  });
});
