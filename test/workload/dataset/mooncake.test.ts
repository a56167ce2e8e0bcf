/**
 * `mooncake` records: `{ timestamp, input_length, output_length, hash_ids }` checked by hand (this is the
 * multi-million-line path), every problem of a record reported with its field, hash ids passed through.
 */
import { describe, expect, it } from 'vitest';

import type { Parsed, RecordIssue } from '../../../src/workload/dataset/fields.js';
import { decodeMooncake } from '../../../src/workload/dataset/mooncake.js';

const ROW = { timestamp: 27_482, input_length: 6955, output_length: 52, hash_ids: [46, 47, 48] };
const decode = (value: unknown): Parsed => decodeMooncake(JSON.stringify(value), 3);
const issues = (parsed: Parsed): RecordIssue[] => ('issues' in parsed ? parsed.issues : []);

describe('decodeMooncake', () => {
  it('reads a record, its time in ms and its hash ids as given', () => {
    expect(decode(ROW)).toEqual({
      record: { line: 3, kind: 'length', inputTokens: 6955, outputTokens: 52, hashIds: [46, 47, 48] },
      time: 27_482,
    });
  });

  it('leaves hashIds out when the record has none; an empty list is kept', () => {
    const { hash_ids: _, ...bare } = ROW;
    expect(decode(bare)).toEqual({
      record: { line: 3, kind: 'length', inputTokens: 6955, outputTokens: 52 },
      time: 27_482,
    });
    expect(decode({ ...ROW, hash_ids: [] })).toMatchObject({ record: { hashIds: [] } });
  });

  it.each([
    [{ ...ROW, timestamp: -1 }, 'timestamp', 'expected an integer >= 0 (ms), got -1'],
    [{ ...ROW, timestamp: 1.5 }, 'timestamp', 'expected an integer >= 0 (ms), got 1.5'],
    [{ ...ROW, timestamp: undefined }, 'timestamp', 'required field is missing; expected an integer >= 0 (ms)'],
    [{ ...ROW, input_length: 0 }, 'input_length', 'expected an integer >= 1, got 0'],
    [{ ...ROW, output_length: '52' }, 'output_length', 'expected an integer >= 1, got "52"'],
    [{ ...ROW, hash_ids: 'abc' }, 'hash_ids', 'expected a list of integers >= 0, got "abc"'],
    [{ ...ROW, hash_ids: null }, 'hash_ids', 'expected a list of integers >= 0, got null (an empty value)'],
    [{ ...ROW, hash_ids: [1, 2, -3, 4.5] }, 'hash_ids[2]', 'expected an integer >= 0, got -3'],
  ])('%j: %s', (value, path, message) => {
    expect(decode(value)).toEqual({ issues: [{ path, message }] });
  });

  it('reports every bad field of a record, in field order', () => {
    expect(decode({ output_length: 0, hash_ids: [{}] })).toEqual({
      issues: [
        { path: 'timestamp', message: 'required field is missing; expected an integer >= 0 (ms)' },
        { path: 'input_length', message: 'required field is missing; expected an integer >= 1' },
        { path: 'output_length', message: 'expected an integer >= 1, got 0' },
        { path: 'hash_ids[0]', message: 'expected an integer >= 0, got a mapping' },
      ],
    });
  });

  it('a record that is not an object is one issue naming the expected shape', () => {
    expect(decode([ROW])).toEqual({
      issues: [
        {
          path: '',
          message: 'expected a JSON object ({ "timestamp", "input_length", "output_length", "hash_ids" }), got a list',
        },
      ],
    });
  });

  it('invalid JSON is an issue pointing at the position JSON.parse names, when it names one', () => {
    const text = '{"timestamp":1,}';
    const [issue] = issues(decodeMooncake(text, 1));
    expect(issue.message).toMatch(/^invalid JSON: /);
    // V8 names the offending character: the "}" where a property name should be.
    expect(issue.at).toBe(text.indexOf('}'));
    const [truncated] = issues(decodeMooncake('', 1));
    expect(truncated).not.toHaveProperty('at');
  });
});
