/**
 * English-looking filler of an exact o200k token count. The text is built from pieces that are each one
 * pre-token and one token (" word", " Word", ",", ".", ".\n\n", and "Word" right after a paragraph
 * break): o200k splits text into pre-tokens before merging, so the count of any run of pieces is the
 * number of pieces, and a run that starts with a space-led piece can follow any other piece.
 */
import { encode } from 'gpt-tokenizer/encoding/o200k_base';

import { type Rng, rng } from '../shared/rng.js';

const WORDS = `the of and to in is for that on with as was at by from this be are or an it not have which
one all their there has more its also new some when what time can out other about into only over these
first after most would many two may between year been then than through system used could work where
should each under state well such part while during same world data high long model number people point
process between request stream server client network result value order group level report local small
large early later simple common clear direct short final light quick steady careful signal message token
response latency measure window connection socket packet buffer queue thread worker memory cache record
sample metric trace event frame channel route policy budget limit range scale speed load test check plan
build write read send keep open close start stop wait run move turn hold follow carry bring give take make
good great best better full empty real true main major minor basic useful recent future current general
city river garden forest mountain ocean morning evening summer winter market school house family friend
story music paper table window letter question answer reason example method problem detail moment`
  .split(/\s+/)
  .filter((w, i, all) => w !== '' && all.indexOf(w) === i);

const single = (piece: string): boolean => encode(piece).length === 1;
const capitalize = (w: string): string => w[0].toUpperCase() + w.slice(1);

interface Vocabulary {
  /** " word": inside a sentence. */
  inner: string[];
  /** Capitalized words that are one token both as " Word" (after ". ") and as "Word" (after a break). */
  opening: string[];
  comma: string;
  stop: string;
  paragraph: string;
}

let vocabulary: Vocabulary | undefined;

// Checked against the tokenizer once, so a different tokenizer build can only shrink the word list.
function vocab(): Vocabulary {
  if (vocabulary) return vocabulary;
  const inner = WORDS.filter((w) => single(` ${w}`)).map((w) => ` ${w}`);
  const opening = WORDS.map(capitalize).filter((w) => single(w) && single(` ${w}`));
  const pieces = { comma: ',', stop: '.', paragraph: '.\n\n' };
  if (inner.length < 50 || opening.length < 20 || !Object.values(pieces).every(single)) {
    throw new Error('prompt filler: the o200k tokenizer splits the prompt vocabulary unexpectedly');
  }
  vocabulary = { inner, opening, ...pieces };
  return vocabulary;
}

/** Sentences and paragraphs, one piece per `next()`, the same sequence for the same seed. */
export class Pieces {
  private readonly v = vocab();
  private readonly rand: Rng;
  private sentenceLeft = 0;
  private sentencesInParagraph = 0;
  private last = '';

  /** `afterBreak`: the text starts like a paragraph ("Word"); otherwise space-led (" Word"). */
  constructor(
    seed: number,
    private afterBreak: boolean,
  ) {
    this.rand = rng(seed);
  }

  next(): string {
    const { v, rand } = this;
    const pick = (list: string[]): string => list[Math.floor(rand() * list.length)];
    let piece: string;
    if (this.sentenceLeft === 0) {
      const opener = pick(v.opening);
      piece = this.afterBreak ? opener : ` ${opener}`;
      this.sentenceLeft = 6 + Math.floor(rand() * 12);
      this.afterBreak = false;
    } else if (this.sentenceLeft === 1) {
      this.sentencesInParagraph++;
      // A sentence ends in one piece: "." or, closing a paragraph, ".\n\n".
      this.afterBreak = this.sentencesInParagraph >= 4 && rand() < 0.3;
      if (this.afterBreak) this.sentencesInParagraph = 0;
      piece = this.afterBreak ? v.paragraph : v.stop;
      this.sentenceLeft = 0;
    } else {
      piece = this.sentenceLeft > 3 && this.last !== v.comma && rand() < 0.08 ? v.comma : pick(v.inner);
      this.sentenceLeft--;
    }
    this.last = piece;
    return piece;
  }
}

const BODY_SEED = 0xf111e7;

/**
 * One filler text for the whole process, with the end offset of every piece, so that its first n
 * tokens are one `slice` (a view into the same string in V8, no copy). It starts space-led, so it can
 * follow any piece, and grows (at least doubling) to the longest length asked; one fixed seed, since
 * after a prompt's unique head the rest may be the same everywhere: prompt caches match prefixes only.
 */
class Body {
  private pieces: Pieces | undefined;
  private text = '';
  private ends = new Uint32Array(0);
  private count = 0;

  slice(tokens: number): string {
    if (tokens === 0) return '';
    this.reserve(tokens);
    return this.text.slice(0, this.ends[tokens - 1]);
  }

  reserve(tokens: number): void {
    if (tokens > this.count) this.grow(Math.max(tokens, 2 * this.count));
  }

  private grow(count: number): void {
    this.pieces ??= new Pieces(BODY_SEED, false);
    const ends = new Uint32Array(count);
    ends.set(this.ends.subarray(0, this.count));
    const added: string[] = [];
    let end = this.text.length;
    for (let i = this.count; i < count; i++) {
      const piece = this.pieces.next();
      added.push(piece);
      ends[i] = end += piece.length;
    }
    this.text += added.join('');
    this.ends = ends;
    this.count = count;
  }
}

const body = new Body();

/** The first `tokens` tokens of the shared filler: space-led, exactly `tokens` o200k tokens (0 gives ''). */
export function filler(tokens: number): string {
  return body.slice(tokens);
}

/** Builds the filler up to `tokens` now (128k: ~13 ms, ~1.3 MB), so that no request pays for it later. */
export function reserveFiller(tokens: number): void {
  body.reserve(tokens);
}
