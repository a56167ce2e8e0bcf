import { describe, expect, it } from 'vitest';

import { capacityAlert, collapse, warningList } from '../../src/report/html-warnings.js';
import { result, variant } from './fixtures.js';

const TEXT = 'connections opened during the measured window: those requests include connection set-up';
const CAPACITY = (name: string) =>
  `${name}: past capacity: 200 req/s arrived, 90.32/s completed, so requests queued and every latency grows with the run`;

describe('HTML warnings', () => {
  const run = result(
    [variant('http', { ttft_ms: 10 }), variant('ws', { ttft_ms: 8 })],
    [
      'client event-loop delay p99 12 ms exceeds 5 ms',
      `http (3): ${TEXT}`,
      `ws (2): ${TEXT}`,
      CAPACITY('ws'),
      'client event-loop delay p99 12 ms exceeds 5 ms',
    ],
  );

  it('says a text once, with every variant it concerns and how often it was said', () => {
    const { other } = collapse(run);
    expect(other).toEqual([
      { text: 'client event-loop delay p99 12 ms exceeds 5 ms', subjects: [], count: 2 },
      { text: TEXT, subjects: ['http (3)', 'ws (2)'], count: 2 },
    ]);
    const html = warningList(run);
    expect(html.match(/<li>/g)).toHaveLength(2);
    expect(html).toContain('<strong>http (3), ws (2)</strong>: connections opened');
    expect(html).toContain('(×2)');
  });

  it('calls out a variant past capacity at the top, and only there', () => {
    const alert = capacityAlert(run);
    expect(alert).toMatch(/^<div class="alert" role="alert"><p><strong>Over capacity<\/strong>/);
    expect(alert).toContain('<strong>ws</strong>: 200 req/s arrived');
    expect(warningList(run)).not.toContain('past capacity');
    expect(capacityAlert(result([variant('http', {})], ['x']))).toBe('');
  });

  it('collapses a sweep’s warnings, each step naming its variants once', () => {
    const r = result([]);
    r.steps = [1, 2, 3].map((value) => ({
      param: 'load.concurrency',
      value,
      variants: [variant('http', {}), variant('ws', {})],
      comparisons: [],
    }));
    r.warnings = [1, 2, 3].map((k) => `step${k}.http (2), ws (1): ${TEXT}`);
    expect(collapse(r).other).toEqual([
      {
        text: TEXT,
        subjects: [
          'step1.http (2)',
          'step1.ws (1)',
          'step2.http (2)',
          'step2.ws (1)',
          'step3.http (2)',
          'step3.ws (1)',
        ],
        count: 3,
      },
    ]);
  });

  it('leaves a text that merely contains a colon, and unknown names, whole', () => {
    const odd = result([variant('http', {})], ['shard 1/2: http: something', 'note: see below']);
    expect(collapse(odd).other.map((w) => [w.subjects, w.text])).toEqual([
      [[], 'shard 1/2: http: something'],
      [[], 'note: see below'],
    ]);
  });
});
