import { countTokens, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';

import { rng } from '../../src/shared/rng.js';
import { PIECE } from '../../src/shared/text-pieces.js';
import { countText, encodeText } from '../../src/shared/tokens.js';
import { base64Blob } from './blob.js';

/** Prose-like text: words of 1–9 letters, mostly single spaces, sometimes a newline or a comma-space. */
function prose(seed: number, n: number): string {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      Array.from({ length: 1 + Math.floor(r() * 9) }, () => 'abcdefghijklmnopqrstuvwxyzéü'[Math.floor(r() * 28)]).join(
        '',
      ),
    );
    out.push(r() < 0.8 ? ' ' : r() < 0.5 ? '\n' : ', ');
  }
  return out.join('');
}

describe('countText and encodeText', () => {
  it('agree exactly with the tokenizer over the whole text wherever the text has word starts', () => {
    for (const seed of [1, 2, 3]) {
      const text = prose(seed, 3000); // ~18k characters: about 18 pieces
      expect(text.length).toBeGreaterThan(10 * PIECE);
      expect(countText(text), `seed ${seed}`).toBe(countTokens(text));
      expect([...encodeText(text)]).toEqual(encode(text));
    }
  });

  it('stay within a token per cut on a run without spaces, in linear time', () => {
    const run = 'a'.repeat(20_000);
    const t0 = performance.now();
    const n = countText(run);
    const ms = performance.now() - t0;
    // Whole, this run takes the tokenizer ~400 ms (BPE inside one pre-token is quadratic); in pieces ~5 ms.
    expect(ms).toBeLessThan(150);
    expect(Math.abs(n - countTokens(run))).toBeLessThanOrEqual(Math.ceil(run.length / PIECE));
    expect(encodeText(run).length).toBe(n);
  });

  it('read text that looks like a special token as plain text, as a model output may carry it', () => {
    const text = 'the end <|endoftext|> and <|im_start|> more';
    expect(() => countTokens(text)).toThrow(/special token/);
    expect(countText(text)).toBe(encode(text, { disallowedSpecial: new Set() }).length);
    expect(encodeText(text).length).toBe(countText(text));
  });

  it('stop counting at `enough`: a huge text costs no more than the pieces that reach it', () => {
    const huge = 'a'.repeat(4_000_000);
    const t0 = performance.now();
    const n = countText(huge, 3);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(n).toBeGreaterThanOrEqual(3);
    // It stops at the piece that reaches `enough`: far short of the whole count.
    const text = prose(4, 3000);
    const some = countText(text, 5);
    expect(some).toBeGreaterThanOrEqual(5);
    expect(some).toBeLessThan(countText(text) / 4);
  });

  it('keep their speed after a megabyte of distinct pre-tokens (the merge cache is off)', () => {
    countText(base64Blob(1, 750_000)); // fills a 100k-entry cache of pre-tokens
    const t0 = performance.now();
    countText('ab1=+'.repeat(40_000));
    // With the cache full, this 200 kB took ~10 s (eviction scans the Map's holes); without it ~70 ms.
    expect(performance.now() - t0).toBeLessThan(1500);
  });
});
