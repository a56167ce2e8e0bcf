/**
 * Synthetic prompts of an exact o200k token count, for `request.prompt_tokens`. The text is built from
 * pieces that are each one pre-token and one token (" word", " Word", ",", ".\n\n", …): o200k splits text
 * into pre-tokens before merging, so the count of the whole is the number of pieces. The result is still
 * counted with the real tokenizer, so a surprise can never silently skew a benchmark.
 */
import { countTokens, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { rng } from '../shared/rng.js';

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
    throw new Error('synthesizePrompt: the o200k tokenizer splits the prompt vocabulary unexpectedly');
  }
  vocabulary = { inner, opening, ...pieces };
  return vocabulary;
}

const CACHE_LIMIT = 16;
const cache = new Map<string, string>();

/** Deterministic English-looking text of exactly `tokens` o200k tokens (1 ≤ tokens). */
export function synthesizePrompt(tokens: number, seed = 1): string {
  if (!Number.isSafeInteger(tokens) || tokens < 1) throw new RangeError(`synthesizePrompt: tokens must be an integer >= 1, got ${tokens}`);
  const key = `${tokens}:${seed}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;

  const text = build(tokens, seed);
  const counted = countTokens(text);
  if (counted !== tokens) throw new Error(`synthesizePrompt: built ${counted} tokens instead of ${tokens}`);

  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, text);
  return text;
}

function build(tokens: number, seed: number): string {
  const v = vocab();
  const rand = rng(seed);
  const pick = (list: string[]): string => list[Math.floor(rand() * list.length)];
  const pieces: string[] = [];
  let sentenceLeft = 0;
  let sentencesInParagraph = 0;
  let afterBreak = true;
  while (pieces.length < tokens) {
    if (sentenceLeft === 0) {
      const opener = pick(v.opening);
      pieces.push(afterBreak ? opener : ` ${opener}`);
      sentenceLeft = 6 + Math.floor(rand() * 12);
      afterBreak = false;
    } else if (sentenceLeft === 1) {
      sentencesInParagraph++;
      // A sentence ends in one piece: "." or, closing a paragraph, ".\n\n".
      afterBreak = sentencesInParagraph >= 4 && rand() < 0.3;
      if (afterBreak) sentencesInParagraph = 0;
      pieces.push(afterBreak ? v.paragraph : v.stop);
      sentenceLeft = 0;
    } else {
      const last = pieces[pieces.length - 1];
      pieces.push(sentenceLeft > 3 && last !== v.comma && rand() < 0.08 ? v.comma : pick(v.inner));
      sentenceLeft--;
    }
  }
  return pieces.join('');
}

// STUB (replaced by the synth branch)
export class PromptSynth {
  constructor(private readonly salt: number) {}
  unique(key: number, tokens: number): string {
    return synthesizePrompt(tokens, (this.salt ^ (key * 2654435761)) >>> 0);
  }
  sharedPrefix(group: number, shared: number, key: number, tokens: number): string {
    if (shared >= tokens) return synthesizePrompt(tokens, group + 7);
    return synthesizePrompt(shared, group + 7) + ' ' + synthesizePrompt(tokens - shared, key);
  }
  blocks(hashIds: readonly number[], tokens: number, key: number): string {
    return synthesizePrompt(tokens, (hashIds[0] ?? key) + this.salt);
  }
  tag(key: number): string {
    return `ref ${key}\n`;
  }
}
