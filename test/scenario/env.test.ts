import { describe, expect, it } from 'vitest';

import { type Env, type ScalarTypeAt, substituteEnv } from '../../src/scenario/env.js';
import type { DataPath } from '../../src/scenario/errors.js';

/** No field is typed: every substituted value stays text. */
const untyped: ScalarTypeAt = () => undefined;

/** A field typed by its last key, so one document can hold number, boolean and text fields. */
const byKey: ScalarTypeAt = (path) => {
  const key = path.at(-1);
  if (key === 'n') return 'number';
  if (key === 'b') return 'boolean';
  return undefined;
};

const sub = (value: unknown, env: Env, types: ScalarTypeAt = untyped) => substituteEnv(value, env, types);

/** The value one string becomes, with no problems allowed. */
function one(text: string, env: Env, types: ScalarTypeAt = untyped): unknown {
  const { value, problems } = sub({ v: text }, env, types);
  expect(problems).toEqual([]);
  return (value as { v: unknown }).v;
}

describe('substituteEnv: references', () => {
  it('replaces references anywhere in nested strings and leaves other values alone', () => {
    const doc = {
      headers: { authorization: 'Bearer ${env:KEY}' },
      variants: [{ name: '${env:A}-${env:B}/${env:A}' }, 7, true, null],
      plain: 'no reference',
    };
    const { value, problems } = sub(doc, { KEY: 'sk-1', A: 'x', B: 'y' });
    expect(problems).toEqual([]);
    expect(value).toEqual({
      headers: { authorization: 'Bearer sk-1' },
      variants: [{ name: 'x-y/x' }, 7, true, null],
      plain: 'no reference',
    });
  });

  it('returns a copy: the parsed document (kept as the result records it) is not modified', () => {
    const doc = { headers: { a: '${env:A}' }, list: ['${env:A}'] };
    const before = structuredClone(doc);
    const { value } = sub(doc, { A: 'set' });
    expect(doc).toEqual(before);
    expect(value).not.toBe(doc);
  });

  it('substitutes values, not keys', () => {
    expect(sub({ '${env:A}': '${env:A}' }, { A: 'v' }).value).toEqual({ '${env:A}': 'v' });
  });

  it('inserts a value verbatim: neither re-expanded nor read as a replacement pattern', () => {
    // A secret may contain `$&` or text that looks like a reference; it must arrive as written.
    expect(one('${env:A}', { A: '${env:B}' })).toBe('${env:B}');
    expect(one('<${env:A}>', { A: "$& $' $1" })).toBe("<$& $' $1>");
  });
});

describe('substituteEnv: fallbacks, as the shell does it', () => {
  it.each([
    ['set', '${env:X:-fb}', { X: 'v' }, 'v'],
    ['unset, with fallback', '${env:X:-fb}', {}, 'fb'],
    ['empty, with fallback', '${env:X:-fb}', { X: '' }, 'fb'],
    ['empty, no fallback: the empty value', '${env:X}', { X: '' }, ''],
    ['unset, empty fallback', '${env:X:-}', {}, ''],
    ['a fallback with spaces and colons', '${env:X:-a b:c}', {}, 'a b:c'],
  ])('%s', (_what, text, env: Env, expected) => {
    expect(one(text, env)).toBe(expected);
  });
});

describe('substituteEnv: problems', () => {
  it('collects every unset variable with the path of its string, instead of throwing at the first', () => {
    const doc = { headers: { authorization: 'Bearer ${env:KEY}' }, variants: [{ name: '${env:A}${env:B}' }] };
    const { value, problems } = sub(doc, { B: 'b' });
    expect(problems).toEqual([
      { path: ['headers', 'authorization'], message: 'environment variable KEY is not set', unset: true },
      { path: ['variants', 0, 'name'], message: 'environment variable A is not set', unset: true },
    ]);
    // The reference stays in place, so nothing made up is ever sent.
    expect(value).toEqual({ headers: { authorization: 'Bearer ${env:KEY}' }, variants: [{ name: '${env:A}b' }] });
  });

  it.each(['${env:1BAD}', '${env:}', '${env:A B}', '${env:A-x}', '${env:A:x}'])(
    'refuses the malformed reference %s, saying what is expected',
    (ref) => {
      const { value, problems } = sub({ x: `pre ${ref}` }, {});
      expect(problems).toEqual([
        {
          path: ['x'],
          message: `malformed reference ${ref}; expected \${env:NAME} or \${env:NAME:-fallback}`,
          unset: false,
        },
      ]);
      expect(value).toEqual({ x: `pre ${ref}` });
    },
  );

  it('leaves text that only looks like a reference alone', () => {
    expect(one('$env:A {env:A} ${ENV:A} ${env:A', { A: 'v' })).toBe('$env:A {env:A} ${ENV:A} ${env:A');
  });
});

describe('substituteEnv: typing a whole reference', () => {
  it.each([
    ['8', 8],
    ['-1.5', -1.5],
    ['+2', 2],
    ['.5', 0.5],
    ['3.', 3],
    ['1e3', 1000],
    ['2.5E-1', 0.25],
  ])('a number field given %s gets the number', (text, n) => {
    expect(one('${env:N}', { N: text }, () => 'number')).toBe(n);
  });

  it.each(['8 users', '0x10', 'Infinity', 'NaN', '', ' 8', '1_000'])(
    'a number field given %j keeps the text, for the schema to refuse',
    (text) => {
      expect(one('${env:N}', { N: text }, () => 'number')).toBe(text);
    },
  );

  it('booleans are exactly true or false; YAML 1.1 spellings stay text', () => {
    const env = { T: 'true', F: 'false', Y: 'yes', C: 'True' };
    const { value } = sub({ b: ['${env:T}', '${env:F}', '${env:Y}', '${env:C}'] }, env, () => 'boolean');
    expect(value).toEqual({ b: [true, false, 'yes', 'True'] });
  });

  it('types only a value that is one reference, the fallback included, and asks with the right path', () => {
    const asked: DataPath[] = [];
    const types: ScalarTypeAt = (path) => {
      asked.push(path);
      return byKey(path);
    };
    const doc = {
      load: { n: '${env:U}', b: '${env:B:-true}' },
      list: [{ n: '${env:U}ms' }, { n: '${env:U}${env:U}' }],
    };
    const { value } = sub(doc, { U: '4' }, types);
    expect(value).toEqual({ load: { n: 4, b: true }, list: [{ n: '4ms' }, { n: '44' }] });
    // Only whole references need a type.
    expect(asked).toEqual([
      ['load', 'n'],
      ['load', 'b'],
    ]);
  });

  it('an unset whole reference stays the reference text, whatever the field type', () => {
    const { value, problems } = sub({ n: '${env:U}' }, {}, byKey);
    expect(value).toEqual({ n: '${env:U}' });
    expect(problems).toHaveLength(1);
  });
});
