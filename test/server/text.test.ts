import { countTokens, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';

import { WORDS, WordSource } from '../../src/server/text.js';
import { rng } from '../../src/shared/rng.js';

describe('output words', () => {
  it('are 64 distinct words, each exactly one o200k token with a leading space', () => {
    expect(WORDS).toHaveLength(64);
    expect(new Set(WORDS).size).toBe(64);
    for (const w of WORDS) {
      expect(w).toMatch(/^ [a-z]+$/);
      expect(encode(w), w).toHaveLength(1);
    }
  });

  it('tokenize to one token per word when concatenated, so usage matches a client tokenizer', () => {
    const src = new WordSource(rng(3));
    for (let i = 0; i < 200; i++) src.take(1 + (i % 5));
    const text = src.text();
    expect(countTokens(text)).toBe(text.split(' ').length - 1);
  });

  it('are chosen deterministically by the PRNG, and all of them get used', () => {
    const a = new WordSource(rng(42));
    const b = new WordSource(rng(42));
    const c = new WordSource(rng(43));
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const w = a.take(1);
      seen.add(w);
      expect(b.take(1)).toBe(w);
      c.take(1);
    }
    expect(seen.size).toBe(64);
    expect(c.text()).not.toBe(a.text());
    expect(a.text()).toBe(b.text());
  });
});
