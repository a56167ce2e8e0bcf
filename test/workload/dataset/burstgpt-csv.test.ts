/**
 * `burstgpt-csv`: Timestamp in seconds with any number of decimals (read to the ns), and the trace's
 * failed requests — rows with 0 response tokens — skipped under their own name.
 */
import { describe, expect, it } from 'vitest';

import { BURSTGPT } from '../../../src/workload/dataset/burstgpt-csv.js';
import { csvDecoder, layoutOf } from '../../../src/workload/dataset/csv.js';

const HEADER = 'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type';

describe('BURSTGPT.time', () => {
  it.each([
    ['0', { ms: 0, ns: 0 }],
    ['5', { ms: 5000, ns: 0 }],
    ['1.5', { ms: 1500, ns: 0 }],
    ['46.6805900', { ms: 46_680, ns: 590_000 }],
    // Digits past the ns are dropped, not rounded.
    ['12.0000000019', { ms: 12_000, ns: 1 }],
  ])('%s s', (value, expected) => {
    expect(BURSTGPT.time(value)).toEqual(expected);
  });

  it.each(['-1', '1e3', '.5', '5.', ' 5', '', 'abc', '1,5', '0x10'])('refuses %j', (value) => {
    expect(BURSTGPT.time(value)).toBeUndefined();
  });
});

describe('burstgpt-csv rows', () => {
  const layout = layoutOf(HEADER, BURSTGPT);

  it('finds its columns among the six of the header', () => {
    expect(layout).toEqual({ columns: [0, 2, 3], fields: 6 });
  });

  it('decodes rows, skips failed requests, and reports a bad time in its own words', () => {
    const decode = csvDecoder(BURSTGPT, layout!);
    expect(
      [
        '5,ChatGPT,472,18,490,Conversation log',
        '6.25,"GPT-4, 0613",10,0,10,API log',
        '7.5,GPT-4,1,2,3,API log',
        'later,GPT-4,1,2,3,API log',
      ].map((row, k) => decode(row, k + 2, 0)),
    ).toEqual([
      { record: { line: 2, kind: 'length', inputTokens: 472, outputTokens: 18 }, time: 0 },
      { skip: 'rows with 0 Response tokens (failed requests)' },
      { record: { line: 4, kind: 'length', inputTokens: 1, outputTokens: 2 }, time: 2500 },
      { issues: [{ path: 'Timestamp', at: 0, message: 'expected seconds, a number >= 0, got "later"' }] },
    ]);
    expect(decode('8,GPT-4,0,5,5,API log', 6, 0)).toEqual({ skip: 'rows with 0 Request tokens' });
  });
});
