/**
 * The CSV trace machinery, apart from any one trace: RFC 4180 quoting within a line, the header's layout,
 * and the row decoder's checks, skips and exact time arithmetic. A stand-in trace keeps the time format
 * trivial (seconds, as BurstGPT writes them) so that what is tested is csv.ts.
 */
import { describe, expect, it } from 'vitest';

import { csvDecoder, type CsvLayout, type CsvTrace, instant, layoutOf } from '../../../src/workload/dataset/csv.js';
import type { Parsed } from '../../../src/workload/dataset/fields.js';

const TRACE: CsvTrace = {
  columns: ['Time', 'In', 'Out'],
  timeExpected: 'seconds',
  skips: { input: 'rows with no input', output: 'rows with no output' },
  time(value) {
    const m = /^(\d+)(?:\.(\d+))?$/.exec(value);
    return m === null ? undefined : instant(Number(m[1]) * 1000, m[2]);
  },
};

const layout = (header: string): CsvLayout => {
  const found = layoutOf(header, TRACE);
  if (found === undefined) throw new Error(`no layout in ${header}`);
  return found;
};

/** Decodes `rows` in order with one decoder (times are relative to its first usable row); lines from 2. */
function decode(header: string, ...rows: string[]): Parsed[] {
  const decoder = csvDecoder(TRACE, layout(header));
  return rows.map((row, k) => decoder(row, k + 2, 0));
}

const record = (line: number, inputTokens: number, outputTokens: number, time: number): Parsed => ({
  record: { line, kind: 'length', inputTokens, outputTokens },
  time,
});

describe('instant', () => {
  it('splits a fraction of a second into whole ms and the ns beyond, up to 9 digits', () => {
    expect(instant(5)).toEqual({ ms: 5, ns: 0 });
    expect(instant(5000, '5')).toEqual({ ms: 5500, ns: 0 });
    expect(instant(0, '000000001')).toEqual({ ms: 0, ns: 1 });
    expect(instant(0, '1234567891')).toEqual({ ms: 123, ns: 456789 });
  });
});

describe('layoutOf', () => {
  it.each([
    ['Time,In,Out', { columns: [0, 1, 2], fields: 3 }],
    [' out , Model, TIME,"In"', { columns: [2, 3, 0], fields: 4 }],
    ['Time,In,Out,Time', { columns: [0, 1, 2], fields: 4 }],
    ['Time,"a, ""quoted"" name",In,Out', { columns: [0, 2, 3], fields: 4 }],
  ])('%j → %j (case, spaces, quotes and extra columns aside)', (header, expected) => {
    expect(layoutOf(header, TRACE)).toEqual(expected);
  });

  it.each(['Time,In', 'Time,In,Output', 'Time,In,"Out', 'Time;In;Out', '"Out""",In,Time'])(
    '%j names no layout (a column missing, or not CSV)',
    (header) => {
      expect(layoutOf(header, TRACE)).toBeUndefined();
    },
  );
});

describe('csvDecoder', () => {
  it('reads the columns where the header put them; times are ms after the first usable row', () => {
    expect(decode('Out,Model,In,Time', '20,"gpt, ""4""",10,100', '5,"",3,101.5', ' 1 , x ,"2", 102 ')).toEqual([
      record(2, 10, 20, 0),
      record(3, 3, 5, 1500),
      record(4, 2, 1, 2000),
    ]);
  });

  it('subtracts times in whole ns: 100 ns apart at epoch seconds is 0.0001 ms, not float noise', () => {
    const [, second] = decode('Time,In,Out', '1700000000.1234567,1,1', '1700000000.1234568,1,1');
    expect(second).toEqual(record(3, 1, 1, 0.0001));
    // What doubles of epoch seconds would make of it: their spacing there is 2^-22 s, 0.24 µs.
    expect((Number('1700000000.1234568') - Number('1700000000.1234567')) * 1000).not.toBe(0.0001);
    // Over a span of 100 days the ns count (8.64e15 + 1) is still exact, below 2^53: the 1 ns survives
    // until the one rounding of the final division.
    const [, far] = decode('Time,In,Out', '0,1,1', '8640000.000000001,1,1');
    expect(far).toEqual(record(3, 1, 1, 8_640_000_000_000_001 / 1e6));
    expect(8_640_000_000_000_001 / 1e6).not.toBe(8_640_000_000);
  });

  it('skips rows with 0 output tokens, then 0 input tokens; skipped and bad rows do not set the time origin', () => {
    expect(decode('Time,In,Out', '1,0,0', '2,0,5', '3,x,1', '4,1,1', '5,1,1')).toEqual([
      { skip: 'rows with no output' },
      { skip: 'rows with no input' },
      { issues: [{ path: 'In', at: 2, message: 'expected an integer >= 0, got "x"' }] },
      record(5, 1, 1, 0),
      record(6, 1, 1, 1000),
    ]);
  });

  it.each([
    ['12.0', 12],
    ['12.', 12],
    [' 7 ', 7],
    ['"9"', 9],
  ])('reads the token count %j as %i (tools that pass counts through floats write 12.0)', (value, count) => {
    expect(decode('Time,In,Out', `0,${value},1`)).toEqual([record(2, count, 1, 0)]);
  });

  it.each(['12.5', '-1', '1e3', '0x10', '', ' '])('refuses the token count %j', (value) => {
    const [parsed] = decode('Time,In,Out', `0,1,${value}`);
    expect(parsed).toEqual({
      issues: [{ path: 'Out', at: 4, message: `expected an integer >= 0, got ${JSON.stringify(value.trim())}` }],
    });
  });

  it('reports every bad field of a row, in column order, at the column where the field starts', () => {
    expect(decode('Time,In,Out', 'soon, -2,  "x"')).toEqual([
      {
        issues: [
          { path: 'Time', at: 0, message: 'expected seconds, got "soon"' },
          { path: 'In', at: 5, message: 'expected an integer >= 0, got "-2"' },
          // A quote after spaces is no quote: the field is the text `  "x"`, trimmed.
          { path: 'Out', at: 9, message: 'expected an integer >= 0, got "\\"x\\""' },
        ],
      },
    ]);
  });

  it.each([
    ['1,2', 'expected 3 fields as in the header, got 2'],
    ['1,2,3,', 'expected 3 fields as in the header, got 4'],
    ['', 'expected 3 fields as in the header, got 1'],
  ])('%j: %s', (row, message) => {
    expect(decode('Time,In,Out', row)).toEqual([{ issues: [{ path: '', message }] }]);
  });

  it.each([
    ['1,"2', 2, 'invalid CSV: a quoted field is not closed on its line (fields spanning lines are not supported)'],
    [
      '1,2,"multi',
      4,
      'invalid CSV: a quoted field is not closed on its line (fields spanning lines are not supported)',
    ],
    ['1,"2"x,3', 5, 'invalid CSV: expected "," after a quoted field, got "x"'],
    ['"1" ,2,3', 3, 'invalid CSV: expected "," after a quoted field, got " "'],
    // Doubled quotes are quotes, not the close: the error is at the unclosed field's opening quote.
    [
      '"1""",2,"3""""',
      8,
      'invalid CSV: a quoted field is not closed on its line (fields spanning lines are not supported)',
    ],
  ])('%j: syntax error at %i', (row, at, message) => {
    expect(decode('Time,In,Out', row)).toEqual([{ issues: [{ path: '', at, message }] }]);
  });
});
