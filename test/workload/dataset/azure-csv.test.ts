/**
 * `azure-csv` times: `2023-11-16 18:15:46.6805900` read as UTC to the 100 ns the traces give, offsets
 * (`+01:00`, 2024 traces) applied, anything else refused so that the decoder reports the row.
 */
import { describe, expect, it } from 'vitest';

import { AZURE } from '../../../src/workload/dataset/azure-csv.js';
import { csvDecoder, layoutOf } from '../../../src/workload/dataset/csv.js';

const UTC = Date.UTC(2023, 10, 16, 18, 15, 46);

describe('AZURE.time', () => {
  it.each([
    ['2023-11-16 18:15:46.6805900', { ms: UTC + 680, ns: 590_000 }],
    ['2023-11-16T18:15:46.6805900', { ms: UTC + 680, ns: 590_000 }],
    ['2023-11-16 18:15:46', { ms: UTC, ns: 0 }],
    ['2023-11-16 18:15:46.123456789', { ms: UTC + 123, ns: 456_789 }],
    ['2023-11-16 18:15:46Z', { ms: UTC, ns: 0 }],
    ['2023-11-16 18:15:46.5+00:00', { ms: UTC + 500, ns: 0 }],
    // An offset east of UTC is an earlier UTC time; the colon is optional.
    ['2023-11-16 19:15:46+01:00', { ms: UTC, ns: 0 }],
    ['2023-11-16 12:45:46-0530', { ms: UTC, ns: 0 }],
    // A leap second is the next minute's :00 (Date.UTC carries it).
    ['2023-11-16 18:15:60', { ms: UTC + 14_000, ns: 0 }],
  ])('%s', (value, expected) => {
    expect(AZURE.time(value)).toEqual(expected);
  });

  it.each([
    '2023-11-16',
    '2023-13-01 00:00:00',
    '2023-00-01 00:00:00',
    '2023-11-00 00:00:00',
    '2023-11-32 00:00:00',
    '2023-11-16 24:00:00',
    '2023-11-16 18:60:00',
    '2023-11-16 18:15:61',
    '2023-11-16 18:15:46.',
    '2023-11-16 18:15:46.1234567890',
    ' 2023-11-16 18:15:46',
    '2023-11-16 18:15:46 +01:00',
    '2023-11-16 18:15:46+1:00',
    '2023/11/16 18:15:46',
    '1700000000',
    '',
  ])('refuses %j', (value) => {
    expect(AZURE.time(value)).toBeUndefined();
  });
});

describe('azure-csv rows', () => {
  const layout = layoutOf('TIMESTAMP,ContextTokens,GeneratedTokens', AZURE);

  it('finds its columns in the trace header', () => {
    expect(layout).toEqual({ columns: [0, 1, 2], fields: 3 });
  });

  it('decodes rows to ms after the first, exact to 100 ns across offsets and days', () => {
    const decode = csvDecoder(AZURE, layout!);
    const times = [
      '2023-11-16 18:15:46.6805900,4808,10',
      '2023-11-16 18:15:46.6805901,4808,10',
      '2023-11-16T19:15:46.6805900+01:00,4808,10',
      '2023-11-17 00:00:00,4808,10',
    ].map((row) => decode(row, 2, 0));
    // 00:00:00 is 5 h 44 min 13.31941 s after 18:15:46.68059.
    expect(times.map((p) => ('time' in p ? p.time : p))).toEqual([0, 0.0001, 0, 20_653_319.41]);
    expect(times[0]).toMatchObject({ record: { kind: 'length', inputTokens: 4808, outputTokens: 10 } });
  });

  it('names its skips and its time format in what it reports', () => {
    const decode = csvDecoder(AZURE, layout!);
    expect(decode('2023-11-16 18:15:46,5,0', 2, 0)).toEqual({ skip: 'rows with 0 GeneratedTokens' });
    expect(decode('2023-11-16 18:15:46,0,5', 2, 0)).toEqual({ skip: 'rows with 0 ContextTokens' });
    expect(decode('yesterday,1,1', 2, 0)).toEqual({
      issues: [
        {
          path: 'TIMESTAMP',
          at: 0,
          message: 'expected a date and time like 2023-11-16 18:15:46.6805900, got "yesterday"',
        },
      ],
    });
  });
});
