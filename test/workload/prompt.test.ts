import fc from 'fast-check';
import { countTokens, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';

import { headWords } from '../../src/workload/head-words.js';
import { PromptSynth, synthesizePrompt } from '../../src/workload/prompt.js';

describe('synthesizePrompt', () => {
  it.each([1, 7, 1000, 131_072])('has exactly %i o200k tokens', (n) => {
    expect(countTokens(synthesizePrompt(n))).toBe(n);
  });

  it('is exact for any size and seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 2 ** 31 }), (n, seed) => {
        expect(countTokens(synthesizePrompt(n, seed))).toBe(n);
      }),
      { numRuns: 25 },
    );
  });

  it('is deterministic per seed and varies between seeds', () => {
    expect(synthesizePrompt(300, 7)).toBe(synthesizePrompt(300, 7));
    expect(synthesizePrompt(300, 7)).not.toBe(synthesizePrompt(300, 8));
    // A longer prompt of the same seed starts with the shorter one: sizes in a sweep share a prefix.
    expect(synthesizePrompt(500, 7).startsWith(synthesizePrompt(300, 7))).toBe(true);
  });

  it('reads like text', () => {
    expect(synthesizePrompt(60)).toMatch(/^[A-Z][a-z]+( [a-z]+|,)+\. [A-Z]/);
  });

  it('rejects sizes that are not positive integers', () => {
    expect(() => synthesizePrompt(0)).toThrow(RangeError);
    expect(() => synthesizePrompt(2.5)).toThrow(RangeError);
  });
});

const salt = 11;
const synth = new PromptSynth(salt);
const tokens = (text: string): number[] => encode(text);
const V = headWords().length;
const key = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
// fast-check draws small values and the bounds more often: short prompts and 131072 both come up. Fixed
// seeds keep the runs the same from one test run to the next.
const length = fc.integer({ min: 1, max: 131_072 });

describe('PromptSynth: exact o200k lengths', () => {
  it.each([1, 2, 3, 4, 5, 6, 511, 512, 513, 131_072])('unique has exactly %i tokens', (n) => {
    expect(countTokens(synth.unique(0, n))).toBe(n);
    expect(countTokens(synth.unique(Number.MAX_SAFE_INTEGER, n))).toBe(n);
  });

  it('unique: any length and key', () => {
    fc.assert(
      fc.property(length, key, (n, k) => {
        expect(countTokens(synth.unique(k, n))).toBe(n);
      }),
      { numRuns: 40, seed: 1 },
    );
  });

  it('sharedPrefix: any split, the bounds included', () => {
    for (const [shared, n] of [
      [0, 1],
      [1, 1],
      [1, 2],
      [4, 4],
      [4, 5],
      [5, 4],
      [1024, 1024],
      [1024, 1025],
      [1025, 1024],
      [3, 9],
    ]) {
      expect(countTokens(synth.sharedPrefix(7, shared, 9, n))).toBe(n);
    }
    fc.assert(
      fc.property(fc.nat(20_000), fc.integer({ min: 1, max: 20_000 }), key, key, (shared, n, g, k) => {
        expect(countTokens(synth.sharedPrefix(g, shared, k, n))).toBe(n);
      }),
      { numRuns: 60, seed: 2 },
    );
  });

  it('blocks: cut anywhere, repeated ids, tokens beyond the blocks', () => {
    for (const n of [1, 4, 5, 511, 512, 513, 1023, 1024, 1025, 1536, 2000]) {
      expect(countTokens(synth.blocks([3, 3, 8], n, 1))).toBe(n);
    }
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 25_000 }),
        fc.integer({ min: 4, max: 600 }),
        key,
        (ids, n, block, k) => {
          expect(countTokens(synth.blocks(ids, n, k, block))).toBe(n);
        },
      ),
      { numRuns: 60, seed: 3 },
    );
  });
});

/** Index of the first token where two texts differ (the shorter's length if one is a prefix of the other). */
function firstDifference(a: string, b: string): number {
  const x = tokens(a);
  const y = tokens(b);
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i;
}

describe('PromptSynth: unique from the first token', () => {
  it(`gives each of the first V = ${V} keys its own first token`, () => {
    expect(V).toBeGreaterThan(40_000);
    const first = new Set<number>();
    for (let k = 0; k < V; k++) {
      const t = tokens(synth.unique(k, 1));
      expect(t).toHaveLength(1);
      first.add(t[0]);
    }
    expect(first.size).toBe(V);
  });

  it('gives 5000 consecutive keys 5000 first tokens, in prompts of any length', () => {
    const first = new Set(Array.from({ length: 5000 }, (_, k) => tokens(synth.unique(1_000_000 + k, 64))[0]));
    expect(first.size).toBe(5000);
  });

  it('tells keys spread up to 2^53 apart within the first 4 tokens', () => {
    // Spread keys, and keys V apart (the same first digit: they must differ at the second token).
    const keys = [
      ...Array.from({ length: 2500 }, (_, i) => Math.floor((i * Number.MAX_SAFE_INTEGER) / 2499)),
      ...Array.from({ length: 2500 }, (_, i) => 12_345 + i * V),
    ];
    const heads = new Set(keys.map((k) => tokens(synth.unique(k, 4)).join(',')));
    expect(heads.size).toBe(keys.length);
    expect(firstDifference(synth.unique(5, 30), synth.unique(5 + V, 30))).toBe(1);
  });

  it('is deterministic per salt, and another salt gives other texts', () => {
    const again = new PromptSynth(salt);
    const other = new PromptSynth(salt + 1);
    for (let k = 0; k < 100; k++) {
      expect(again.unique(k, 50)).toBe(synth.unique(k, 50));
      expect(other.unique(k, 50)).not.toBe(synth.unique(k, 50));
      expect(firstDifference(other.unique(k, 50), synth.unique(k, 50))).toBeLessThan(4);
    }
  });

  it('reads as rarer words, then English-looking filler', () => {
    expect(synth.unique(42, 60)).toMatch(/^( [a-z]{3,12}){4} [A-Z][a-z]+( [a-z]+|,)+\. [A-Z]/);
  });
});

describe('PromptSynth: what is shared', () => {
  it('shares exactly the first `shared` tokens within a group, then each key is on its own', () => {
    const a = synth.sharedPrefix(3, 1024, 100, 1500);
    const b = synth.sharedPrefix(3, 1024, 101, 1500);
    expect(firstDifference(a, b)).toBe(1024);
    expect(firstDifference(a, synth.sharedPrefix(4, 1024, 100, 1500))).toBe(0);
    // The part after the prefix is the key's unique prompt.
    expect(a.endsWith(synth.unique(100, 476))).toBe(true);
  });

  it('makes the whole prompt the group’s when shared ≥ tokens, and all of it the key’s when shared is 0', () => {
    expect(synth.sharedPrefix(3, 2000, 1, 1000)).toBe(synth.sharedPrefix(3, 1000, 2, 1000));
    expect(synth.sharedPrefix(3, 0, 1, 1000)).toBe(synth.unique(1, 1000));
  });

  it('gives equal hash ids identical blocks and different ids different ones', () => {
    expect(firstDifference(synth.blocks([1, 2, 3], 1536, 0), synth.blocks([1, 2, 4], 1536, 0))).toBe(1024);
    const twice = tokens(synth.blocks([5, 5], 1024, 0));
    expect(twice.slice(512)).toEqual(twice.slice(0, 512));
    expect(firstDifference(synth.blocks([6, 5], 1024, 0), synth.blocks([5, 5], 1024, 0))).toBe(0);
  });

  it('fills tokens beyond the blocks with the key’s unique part', () => {
    const a = synth.blocks([1], 600, 10);
    expect(firstDifference(a, synth.blocks([1], 600, 11))).toBe(512);
    expect(a.endsWith(synth.unique(10, 88))).toBe(true);
    expect(synth.blocks([], 300, 10)).toBe(synth.unique(10, 300));
  });

  it('keeps keys, groups and block ids apart: number 5 of each starts differently', () => {
    const heads = [synth.unique(5, 4), synth.sharedPrefix(5, 4, 0, 4), synth.blocks([5], 4, 0)].map(
      (t) => tokens(t)[0],
    );
    expect(new Set(heads).size).toBe(3);
  });
});

describe('PromptSynth.tag', () => {
  it('is the key’s head on a line of its own, unique per key', () => {
    const tag = synth.tag(77);
    expect(tag).toBe(`${synth.unique(77, 4)}\n`);
    expect(countTokens(`${tag}Hello there`)).toBe(countTokens('Hello there') + 5);
    expect(new Set(Array.from({ length: 1000 }, (_, k) => synth.tag(k))).size).toBe(1000);
  });
});

describe('PromptSynth: arguments', () => {
  it('rejects lengths, keys and block sizes it cannot honour', () => {
    expect(() => synth.unique(0, 0)).toThrow(RangeError);
    expect(() => synth.unique(0, 2.5)).toThrow(RangeError);
    expect(() => synth.unique(-1, 10)).toThrow(RangeError);
    expect(() => synth.unique(2 ** 53, 10)).toThrow(RangeError);
    expect(() => synth.sharedPrefix(0, -1, 0, 10)).toThrow(RangeError);
    expect(() => synth.blocks([1], 10, 0, 3)).toThrow(RangeError);
    expect(() => synth.blocks([-1], 10, 0)).toThrow(RangeError);
  });
});
