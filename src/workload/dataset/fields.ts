/**
 * What decoding one record yields, and the checks the formats share. Records are checked by hand, not by
 * zod: on the Mooncake path (millions of lines) a hand check costs a fraction of a zod parse.
 */
import { describeValue } from '../../shared/input-error.js';
import type { DatasetRecord } from '../types.js';

/** A problem with one record; the index places it at the record's line. */
export interface RecordIssue {
  path: string;
  message: string;
  /** Where in the record's text the problem is (JSON syntax errors): UTF-16 position. */
  at?: number;
}

export type Parsed =
  /** `time`: ms on the file's own clock; the index makes it relative to the first record. */
  | { record: DatasetRecord; time?: number }
  /** A record real files are known to contain that is no request (an empty conversation, a failed one). */
  | { skip: string }
  | { issues: RecordIssue[] };

/** Decodes one record's text: a line, or one element of a ShareGPT array (`ordinal` is its place there). */
export type Decoder = (text: string, line: number, ordinal: number) => Parsed;

export const expected = (path: string, what: string, got: unknown): RecordIssue => ({
  path,
  message: `expected ${what}, got ${describeValue(got)}`,
});

/** `expected`, or "required field is missing" when the field is absent. */
export const expectedField = (path: string, what: string, got: unknown): RecordIssue =>
  got === undefined ? { path, message: `required field is missing; expected ${what}` } : expected(path, what, got);

export const isInt = (value: unknown, min: number): value is number =>
  Number.isInteger(value) && (value as number) >= min;

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const failed = (...issues: RecordIssue[]): Parsed => ({ issues });

/** JSON.parse, its syntax error as an issue (V8 names the position for most errors; `at` then points there). */
export function parseJson(text: string, path = ''): { value: unknown } | RecordIssue {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    return { path, message: `invalid JSON: ${message}`, ...(at !== null && { at: Number(at[1]) }) };
  }
}
