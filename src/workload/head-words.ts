/**
 * The words that make a prompt unique from its first token. They are o200k's own tokens of the form
 * " " + 3–12 lowercase ASCII letters that encode back to themselves alone (46,058 in o200k_base): each is
 * one pre-token and one token, and after any filler piece or another such word it stays one, so a head
 * of n words is n tokens. A key is written with them as base-V digits, least significant first, so
 * consecutive keys already differ at the first token.
 */
import { decode, encode, vocabularySize } from 'gpt-tokenizer/encoding/o200k_base';

import { rng, streamSeed } from '../shared/rng.js';

/** Digits of a head: V⁴ > 2⁵³ for any V above 9,742, so every safe integer key has a head of its own. */
export const HEAD_TOKENS = 4;

const HEAD_WORD = /^ [a-z]{3,12}$/;
/**
 * Digit j is written with the word order rotated by j·ROTATION: still a bijection per position, but the
 * high digits of small keys (all zero) are four different words rather than one word four times.
 */
const ROTATION = 7919;
const SHUFFLE_STREAM = 0x4ead;

let words: readonly string[] | undefined;

/** Built once, on first use: decoding all ids takes ~50 ms, encoding the candidates back ~70 ms. */
export function headWords(): readonly string[] {
  if (words) return words;
  const found: string[] = [];
  for (let id = 0; id < vocabularySize; id++) {
    let text: string;
    try {
      text = decode([id]);
    } catch {
      continue; // an id without a token: o200k_base skips 199998
    }
    if (!HEAD_WORD.test(text)) continue;
    const back = encode(text);
    if (back.length === 1 && back[0] === id) found.push(text);
  }
  if (found.length ** HEAD_TOKENS <= Number.MAX_SAFE_INTEGER) {
    throw new Error(`prompt heads: only ${found.length} o200k words qualify, too few for ${HEAD_TOKENS}-token heads`);
  }
  words = found;
  return words;
}

/**
 * The head words in an order of their own, a seeded shuffle: different salts give different heads for
 * the same key, and different `space`s (keys, shared-prefix groups, block ids) different heads for the
 * same number.
 */
export class HeadDigits {
  private readonly digits: string[];

  constructor(salt: number, space: number) {
    this.digits = [...headWords()];
    const rand = rng(streamSeed(salt, space, SHUFFLE_STREAM));
    for (let i = this.digits.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [this.digits[i], this.digits[j]] = [this.digits[j], this.digits[i]];
    }
  }

  /** The first `n` (≤ HEAD_TOKENS) digit words of `key`, exactly n tokens. */
  head(key: number, n: number): string {
    if (!Number.isSafeInteger(key) || key < 0) {
      throw new RangeError(`prompt keys, groups and hash ids must be non-negative safe integers, got ${key}`);
    }
    const base = this.digits.length;
    let text = '';
    for (let j = 0; j < n; j++) {
      const d = key % base;
      text += this.digits[(d + j * ROTATION) % base];
      // Exact: key − d is a multiple of base, so no float rounding even near 2⁵³.
      key = (key - d) / base;
    }
    return text;
  }
}
