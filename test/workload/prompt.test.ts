import fc from 'fast-check';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { synthesizePrompt } from '../../src/workload/prompt.js';

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
