/**
 * The byte-level JSON grammar must accept exactly what JSON.parse accepts (below MAX_DEPTH): a fast path
 * that took a frame JSON.parse rejects would report deltas from garbage. JSON.parse is the reference
 * throughout — in tables, over every short string of a small alphabet, and over seeded random values.
 */
import { describe, expect, it } from 'vitest';

import {
  jsonString,
  MAX_DEPTH,
  seen,
  skipLiteral,
  skipNumber,
  skipSpace,
  skipString,
  skipValue,
} from '../../src/protocols/json-grammar.js';
import { rng } from '../../src/shared/rng.js';
import { corrupt, parse, randomString, randomValue, serialize } from '../random-json.js';

/** Whether `buf` is one JSON value with optional whitespace around it, by the grammar. */
function accepts(buf: Buffer): boolean {
  const i = skipSpace(buf, 0, buf.length);
  const after = skipValue(buf, i, buf.length, 0);
  return after >= 0 && skipSpace(buf, after, buf.length) === buf.length;
}

/** Every string of up to `n` characters of `alphabet`, shortest first. */
function strings(alphabet: string, n: number): string[] {
  const out = [''];
  for (let k = 0; k < out.length; k++) if (out[k].length < n) for (const c of alphabet) out.push(out[k] + c);
  return out;
}

describe('skipNumber', () => {
  // The offset returned is just past the number; what follows is the caller's to judge (`01` stops at 1).
  it.each([
    ['0', 1],
    ['-0', 2],
    ['10', 2],
    ['1.5', 3],
    ['-0.25e-3', 8],
    ['1E+5', 4],
    ['01', 1],
    ['1.5.', 3],
    ['12x', 2],
    ['1.', -1],
    ['1.e5', -1],
    ['1e', -1],
    ['1e+', -1],
    ['-', -1],
    ['--1', -1],
    ['-a', -1],
  ])('%j → %i', (text, end) => {
    expect(skipNumber(Buffer.from(text), 0, text.length)).toBe(end);
  });

  it('reads nothing past `end`: a fraction or exponent cut off there is incomplete', () => {
    expect(skipNumber(Buffer.from('123'), 0, 2)).toBe(2);
    expect(skipNumber(Buffer.from('1.5'), 0, 2)).toBe(-1);
    expect(skipNumber(Buffer.from('1e5'), 0, 2)).toBe(-1);
    expect(skipNumber(Buffer.from('x: -7,'), 3, 6)).toBe(5);
  });
});

describe('skipString', () => {
  it.each([
    ['""', 2, false, false],
    ['"ab"cd', 4, false, false],
    ['"\\"\\\\\\/\\b\\f\\n\\r\\t"', 18, true, false],
    ['"\\u00E9\\uD83D"', 14, true, false],
    ['"é😀"', 8, false, true],
    ['"\u007f"', 3, false, false],
  ])('%j ends at %i (escape %s, non-ASCII %s)', (text, end, escape, nonAscii) => {
    expect(skipString(Buffer.from(text), 0, Buffer.byteLength(text))).toBe(end);
    expect(seen).toEqual({ escape, nonAscii });
  });

  it.each(['"abc', '"\\', '"\\"', '"\\x"', '"\\u00g9"', '"\\u00e"', '"a\nb"', '"\t"', '"\u0000"', '"\u001f"'])(
    'rejects %j (unterminated, bad escape or raw control character)',
    (text) => {
      expect(skipString(Buffer.from(text), 0, text.length)).toBe(-1);
    },
  );

  it('does not look past `end` for the closing quote or an escape', () => {
    expect(skipString(Buffer.from('"ab"'), 0, 3)).toBe(-1);
    expect(skipString(Buffer.from('"\\u0041"'), 0, 5)).toBe(-1);
  });
});

describe('skipLiteral and skipValue', () => {
  it('matches the three literals exactly, and stops after one', () => {
    const TRUE = Buffer.from('true');
    expect(skipLiteral(Buffer.from('true'), 0, 4, TRUE)).toBe(4);
    expect(skipLiteral(Buffer.from('truex'), 0, 5, TRUE)).toBe(4);
    expect(skipLiteral(Buffer.from('true'), 0, 3, TRUE)).toBe(-1);
    for (const bad of ['tru', 'True', 'nul', 'fals', 'nulL', 'undefined', 'NaN', 'Infinity'])
      expect(skipValue(Buffer.from(bad), 0, bad.length, 0)).toBe(-1);
  });

  it.each(['[]', '{}', ' [ 1 , "a" ] ', '{"a":[{}],"b":{"c":null}}', '\t\r\n{ "a" : 1 }\n'])('accepts %j', (text) => {
    expect(accepts(Buffer.from(text))).toBe(true);
  });

  it.each(['', ' ', '[1,]', '{"a":1,}', '{a:1}', '{"a" 1}', '{"a":}', '[1 2]', '{1:2}', '[', '{"a":1', '[]]', '[}'])(
    'rejects %j',
    (text) => {
      expect(accepts(Buffer.from(text))).toBe(false);
    },
  );

  it(`nests up to MAX_DEPTH (${MAX_DEPTH}) containers; deeper is left to JSON.parse`, () => {
    const lists = (n: number): Buffer => Buffer.from('['.repeat(n) + ']'.repeat(n));
    const objects = (n: number): Buffer => Buffer.from('{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1));
    for (const nested of [lists, objects]) {
      expect(accepts(nested(MAX_DEPTH))).toBe(true);
      expect(accepts(nested(MAX_DEPTH + 1))).toBe(false);
      expect(parse(nested(MAX_DEPTH + 1))).toBeDefined();
    }
  });
});

describe('agreement with JSON.parse', () => {
  it.each([
    ['numbers', '01-+.eE ', 5],
    ['structure', '[]{}":,0a\\ ', 4],
    ['strings', '"\\/nt\tu0', 4],
  ])('every string of up to %s: %j, %i long', (_, alphabet, n) => {
    const all = strings(alphabet, n).map((text) => Buffer.from(text));
    const disagree = all.filter((buf) => accepts(buf) !== (parse(buf) !== undefined)).map(String);
    expect(disagree).toEqual([]);
    // Not vacuous: some of each alphabet's strings are JSON.
    expect(all.filter(accepts).length).toBeGreaterThan(10);
  });

  it('seeded random values: their text is one value; a corrupted text is accepted iff JSON.parse accepts it', () => {
    const r = rng(0x5eed);
    const disagree: string[] = [];
    const outcomes = { accepted: 0, rejected: 0 };
    for (let run = 0; run < 1500; run++) {
      const text = Buffer.from(serialize(r, randomValue(r, 4)));
      if (skipValue(text, 0, text.length, 0) !== text.length) disagree.push(String(text));
      for (let k = 0; k < 3; k++) {
        const bad = corrupt(r, text);
        const ok = accepts(bad);
        if (ok !== (parse(bad) !== undefined)) disagree.push(String(bad));
        outcomes[ok ? 'accepted' : 'rejected']++;
      }
    }
    expect(disagree).toEqual([]);
    // A corruption inside a string or whitespace keeps the text valid; most do not.
    expect(outcomes.accepted).toBeGreaterThan(300);
    expect(outcomes.rejected).toBeGreaterThan(1000);
  });
});

describe('jsonString', () => {
  it('unescapes as JSON.parse does on each of its paths (short ASCII, long ASCII, non-ASCII, escaped)', () => {
    const r = rng(7);
    const cases = ['', 'x'.repeat(24), 'x'.repeat(25), 'é', 'a\nb', '\ud800'];
    for (let k = 0; k < 500; k++) cases.push(randomString(r, k % 2 === 0 ? 0 : 0.3));
    for (const s of cases) {
      // Inside a larger buffer: offsets are absolute.
      const buf = Buffer.from(`{"k":${JSON.stringify(s)}}`);
      const end = skipString(buf, 5, buf.length - 1);
      expect(end).toBe(buf.length - 1);
      expect(jsonString(buf, 5, end, seen.escape, seen.nonAscii)).toBe(s);
    }
  });
});
