import type { Rng } from '../shared/rng.js';

/**
 * Output vocabulary: common English words, each exactly one o200k token with its leading space, so
 * "tokens emitted" and a client tokenizer's count of the text always agree (test/server/text.test.ts
 * checks every word). 64 words: the index is a mask of the PRNG output.
 */
export const WORDS: readonly string[] = [
  ' the',
  ' of',
  ' and',
  ' to',
  ' a',
  ' in',
  ' is',
  ' that',
  ' for',
  ' it',
  ' as',
  ' with',
  ' was',
  ' on',
  ' be',
  ' by',
  ' at',
  ' this',
  ' from',
  ' or',
  ' have',
  ' an',
  ' are',
  ' not',
  ' but',
  ' you',
  ' all',
  ' can',
  ' they',
  ' we',
  ' his',
  ' her',
  ' one',
  ' more',
  ' will',
  ' about',
  ' which',
  ' would',
  ' there',
  ' their',
  ' so',
  ' if',
  ' what',
  ' out',
  ' up',
  ' other',
  ' into',
  ' time',
  ' some',
  ' only',
  ' new',
  ' also',
  ' than',
  ' its',
  ' like',
  ' then',
  ' just',
  ' over',
  ' after',
  ' first',
  ' most',
  ' such',
  ' these',
  ' two',
];

/** Deterministic text: the same PRNG stream always yields the same words. */
export class WordSource {
  private readonly parts: string[] = [];

  constructor(private readonly rng: Rng) {}

  /** The next `n` words as one delta; also kept for the full text of the done events. */
  take(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += WORDS[(this.rng() * 64) | 0];
    this.parts.push(s);
    return s;
  }

  text(): string {
    return this.parts.join('');
  }
}
