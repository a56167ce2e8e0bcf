import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';

import { rng } from '../../src/shared/rng.js';
import { boundedCount, textPieces } from '../../src/shared/text-pieces.js';

/** Words of 1–12 characters from a mixed alphabet (letters, digits, punctuation, accents, CJK, emoji). */
const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?()[]{}"\'-_/=+*éüßçøñ中文字日本😀🚀',
];
function words(seed: number, n: number, sep: () => string): string {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(r() * 12);
    out.push(Array.from({ length: len }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]).join(''));
    out.push(sep());
  }
  return out.join('');
}

describe('textPieces', () => {
  it('splits any text into pieces of at most max that join back to it, never inside a surrogate pair', () => {
    const r = rng(7);
    const anything = Array.from({ length: 4000 }, () => {
      const k = Math.floor(r() * 6);
      return [' ', '\n', 'a', '😀', '  ', '\t'][k];
    }).join('');
    for (const text of [anything, '😀'.repeat(500), 'a'.repeat(3000), words(1, 400, () => ' ')]) {
      for (const max of [2, 7, 64, 1024]) {
        const pieces = [...textPieces(text, max)];
        expect(pieces.join('')).toBe(text);
        for (const p of pieces) {
          expect(p.length).toBeLessThanOrEqual(max);
          expect(p.length).toBeGreaterThan(0);
          const last = p.charCodeAt(p.length - 1);
          expect(last >= 0xd800 && last <= 0xdbff, JSON.stringify(p)).toBe(false);
        }
      }
    }
  });

  it('cuts only before a space that starts a word, while the window has one', () => {
    const pieces = [...textPieces('alpha beta  gamma delta', 12)];
    // The last word start in the window: before ' beta', never inside the double space.
    expect(pieces).toEqual(['alpha', ' beta  gamma', ' delta']);
  });
});

describe('boundedCount', () => {
  const bounded = boundedCount(countTokens, 64);

  it('counts exactly what the tokenizer counts over the whole text, wherever the text has word starts', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = rng(seed);
      // Separators: mostly single spaces, sometimes a newline or a comma-space, as prose and code have.
      const text = words(seed, 600, () => (r() < 0.8 ? ' ' : r() < 0.5 ? '\n' : ', '));
      expect(bounded(text), `seed ${seed}`).toBe(countTokens(text));
    }
  });

  it('hands the tokenizer no text longer than a piece, and stays within a token per cut on a run without spaces', () => {
    const run = 'a'.repeat(12_000);
    let longest = 0;
    const n = boundedCount((t) => {
      longest = Math.max(longest, t.length);
      return countTokens(t);
    })(run);
    // BPE inside one pre-token is quadratic (this run whole: ~250 ms); pieces of 1024 keep it linear.
    expect(longest).toBe(1024);
    expect(Math.abs(n - countTokens(run))).toBeLessThanOrEqual(Math.ceil(run.length / 1024));
  });
});
