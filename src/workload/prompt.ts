/**
 * Prompts of an exact o200k token count. `synthesizePrompt` gives one text per (length, seed), the
 * same for every request (tool outputs of sessions). `PromptSynth` gives each request its own prompt:
 * endpoints serve a repeated prompt from their prompt cache (OpenAI from 1024 tokens, vLLM in 16-token
 * blocks, SGLang per token), so identical prompts would measure cache hits. Its prompts start with a
 * head unique to the request's key (head-words.ts) and go on with filler shared by all (filler.ts):
 * caches match prefixes only, so a different first token makes every later block a miss. Exact counts
 * hold by construction (every join is between whole pieces, each segment starts space-led), so no call
 * tokenizes, and each is a few string views: no per-call memory beyond the result.
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

import { filler, Pieces, reserveFiller } from './filler.js';
import { HEAD_TOKENS, HeadDigits } from './head-words.js';

const CACHE_LIMIT = 16;
const cache = new Map<string, string>();

/** Deterministic English-looking text of exactly `tokens` o200k tokens (1 ≤ tokens). */
export function synthesizePrompt(tokens: number, seed = 1): string {
  checkCount('synthesizePrompt: tokens', tokens, 1);
  const key = `${tokens}:${seed}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;

  const pieces = new Pieces(seed, true);
  const parts: string[] = [];
  for (let i = 0; i < tokens; i++) parts.push(pieces.next());
  const text = parts.join('');
  // Once per run: a surprise of the tokenizer can never silently skew a benchmark.
  const counted = countTokens(text);
  if (counted !== tokens) throw new Error(`synthesizePrompt: built ${counted} tokens instead of ${tokens}`);

  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, text);
  return text;
}

/** Mooncake's block size: a trace's hash id stands for this many tokens. */
export const BLOCK_TOKENS = 512;

/** Filler built up front: prompts up to this long never make a request wait for it. */
const PREBUILT_TOKENS = 131_072;

// Each kind of id has its own word order: group 5's shared prefix is not key 5's prompt nor block 5.
const KEY_SPACE = 0;
const GROUP_SPACE = 1;
const BLOCK_SPACE = 2;

/**
 * Per-request prompts, deterministic given the salt and the arguments. Keys, groups and hash ids are
 * non-negative safe integers; a head is HEAD_TOKENS tokens, so two keys differ within their first 4
 * tokens, and at the first for any two keys below V (46,058). The first instance pays 100–150 ms to
 * build the head words and 128k tokens of filler, later ones ~2 ms: construct it before the load.
 */
export class PromptSynth {
  private readonly keys: HeadDigits;
  private readonly groups: HeadDigits;
  private readonly blockIds: HeadDigits;

  constructor(salt: number) {
    this.keys = new HeadDigits(salt, KEY_SPACE);
    this.groups = new HeadDigits(salt, GROUP_SPACE);
    this.blockIds = new HeadDigits(salt, BLOCK_SPACE);
    reserveFiller(PREBUILT_TOKENS);
  }

  /** Exactly `tokens` o200k tokens, unique to `key` from its first token on. */
  unique(key: number, tokens: number): string {
    checkCount('tokens', tokens, 1);
    return segment(this.keys, key, tokens);
  }

  /**
   * Exactly `tokens` tokens: the first min(shared, tokens) the same for every call with the same `group`,
   * the rest begin with `key`'s unique part.
   */
  sharedPrefix(group: number, shared: number, key: number, tokens: number): string {
    checkCount('tokens', tokens, 1);
    checkCount('shared', shared, 0);
    const common = Math.min(shared, tokens);
    return segment(this.groups, group, common) + segment(this.keys, key, tokens - common);
  }

  /**
   * Mooncake traces: each hash id stands for a block of `blockTokens` tokens; equal ids give identical
   * block text, different ids different text; the prompt is the blocks in order, cut to exactly `tokens`
   * tokens; tokens beyond the blocks are `key`'s unique filler.
   */
  blocks(hashIds: readonly number[], tokens: number, key: number, blockTokens = BLOCK_TOKENS): string {
    checkCount('tokens', tokens, 1);
    // Shorter blocks would cut heads, and ids from V^blockTokens on would share texts.
    checkCount('blockTokens', blockTokens, HEAD_TOKENS);
    let text = '';
    let left = tokens;
    for (let i = 0; i < hashIds.length && left > 0; i++) {
      const n = Math.min(blockTokens, left);
      text += segment(this.blockIds, hashIds[i], n);
      left -= n;
    }
    return text + segment(this.keys, key, left);
  }

  /**
   * A line unique to `key`, to put before texts the client did not make (dataset prompts, a literal
   * prompt): its head words and a line break, " word word word word\n", 5 tokens before most texts.
   */
  tag(key: number): string {
    return `${this.keys.head(key, HEAD_TOKENS)}\n`;
  }
}

/** `id`'s head, cut to `tokens`, then filler: exactly `tokens` tokens, space-led ('' for 0). */
function segment(digits: HeadDigits, id: number, tokens: number): string {
  const head = Math.min(tokens, HEAD_TOKENS);
  return digits.head(id, head) + filler(tokens - head);
}

function checkCount(name: string, n: number, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${n}`);
}
