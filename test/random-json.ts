/**
 * Seeded random JSON for the byte scanners' property tests: values that reach the grammar's corners (every
 * escape, control characters, lone surrogates, multi-byte UTF-8, number forms) and byte corruptions of
 * their text. Driven by the project's mulberry32 (src/shared/rng.ts), so a failing seed replays exactly.
 */
import type { Rng } from '../src/shared/rng.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const int = (r: Rng, n: number): number => Math.floor(r() * n);
export const pick = <T>(r: Rng, items: ArrayLike<T>): T => items[int(r, items.length)];

/** Text JSON.stringify writes as is: ASCII, brackets and quotes' neighbours, 2–4-byte UTF-8, DEL. */
const PLAIN = ['a', 'text', ' ', '/', '{', '}', '[', ']', ':', ',', 'null', 'é', '€', '中文', '😀', '\u2028', '\u007f'];
/** Text JSON.stringify must escape: quotes, backslashes, control characters, lone surrogates. */
const ESCAPED = ['"', '\\', '\\"', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\ud800', '\udfff'];

/** Up to five pieces; each is one that needs an escape with probability `escapes`. */
export function randomString(r: Rng, escapes = 0.15): string {
  let s = '';
  for (let n = int(r, 6); n > 0; n--) s += r() < escapes ? pick(r, ESCAPED) : pick(r, PLAIN);
  return s;
}

const NUMBERS = [0, -0, 1, -1, 10, 1.5, -0.25, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, 2 ** 53, -123456789];

/** Special values, small integers and magnitudes from 1e-20 to 1e20 (JSON.stringify's `e` forms included). */
function randomNumber(r: Rng): number {
  const kind = int(r, 3);
  if (kind === 0) return pick(r, NUMBERS);
  if (kind === 1) return int(r, 2000) - 1000;
  return (r() - 0.5) * 10 ** (int(r, 41) - 20);
}

export interface Shape {
  /** Object keys are drawn from these half of the time, so that a scanner's chosen keys turn up. */
  keys?: readonly string[];
  /** As for randomString; keys and values alike. */
  escapes?: number;
}

/** A value up to `depth` containers deep. */
export function randomValue(r: Rng, depth: number, shape: Shape = {}): Json {
  switch (int(r, depth > 0 ? 8 : 5)) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return randomNumber(r);
    case 3:
    case 4:
      return randomString(r, shape.escapes);
    case 5:
    case 6:
      return randomObject(r, depth - 1, shape);
    default:
      return Array.from({ length: int(r, 4) }, () => randomValue(r, depth - 1, shape));
  }
}

export function randomObject(r: Rng, depth: number, shape: Shape = {}): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  const keys = shape.keys ?? [];
  for (let n = int(r, 5); n > 0; n--) {
    const key = keys.length > 0 && r() < 0.5 ? pick(r, keys) : randomString(r, shape.escapes);
    out[key] = randomValue(r, depth, shape);
  }
  return out;
}

/** JSON.stringify, compact or indented (indentation puts line breaks and runs of spaces between tokens). */
export const serialize = (r: Rng, value: Json): string => JSON.stringify(value, null, pick(r, [0, 2, '\t']));

/** Bytes a corruption favours: the grammar's own, then any byte at all. */
const GRAMMAR = Buffer.from('{}[]",:\\ \n0123456789-+.eEtrufalsn\u0001x');

/** `text` with one byte inserted, deleted or replaced at a random place. */
export function corrupt(r: Rng, text: Buffer): Buffer {
  const at = int(r, text.length + 1);
  const byte = r() < 0.8 ? pick(r, GRAMMAR) : int(r, 256);
  const kind = int(r, 3);
  if (kind === 0) return Buffer.concat([text.subarray(0, at), Buffer.of(byte), text.subarray(at)]);
  if (kind === 1) return Buffer.concat([text.subarray(0, at), text.subarray(at + 1)]);
  const out = Buffer.from(text);
  if (at < out.length) out[at] = byte;
  return out;
}

/** What JSON.parse makes of `buf` as UTF-8 text: the reference the scanners must agree with. */
export function parse(buf: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(buf.toString('utf8')) };
  } catch {
    return undefined;
  }
}
