import { describe, expect, it } from 'vitest';

import { rng } from '../../src/shared/rng.js';
import { textPieces } from '../../src/shared/text-pieces.js';

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
