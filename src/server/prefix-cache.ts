import { createHash } from 'node:crypto';

import { type Prompt, promptTokenIds, promptTokens } from './input.js';
import { BoundedStore } from './store.js';

/** Tokens per cached block: the block size Mooncake traces number their shared prefixes in. */
export const BLOCK_TOKENS = 512;

/** Default capacity: 32M tokens, about 6 MB of block keys. */
export const DEFAULT_PREFIX_CACHE_BLOCKS = 65_536;

/** Bounds the server's memory (~90 bytes a block): under 100 MB. */
export const MAX_PREFIX_CACHE_BLOCKS = 1_048_576;

/**
 * Automatic prefix caching as vLLM does it: a prompt is cut into full blocks, each keyed by a hash
 * chained from the previous block's key and its own token ids, so a block matches only after the same
 * prefix; the leading blocks found are served from the cache, a partial last block never is. An LRU of
 * block keys stands in for the KV cache.
 */
export class PrefixCache {
  private readonly blocks: BoundedStore<true>;

  constructor(capacity: number) {
    this.blocks = new BoundedStore(capacity);
  }

  /** The cached leading tokens of `ids`; then every full block of it is cached (inserted or touched). */
  serve(ids: Uint32Array): number {
    const keys = blockKeys(ids);
    let hits = 0;
    while (hits < keys.length && this.blocks.get(keys[hits]) !== undefined) hits++;
    // Last block first, so a prompt's first block is its most recently used: eviction takes the tails
    // of old prompts before the prefixes they share (vLLM frees a request's blocks tail first).
    for (let i = keys.length - 1; i >= 0; i--) this.blocks.set(keys[i], true);
    return hits * BLOCK_TOKENS;
  }
}

function blockKeys(ids: Uint32Array): string[] {
  const keys: string[] = [];
  let parent = '';
  for (let at = 0; at + BLOCK_TOKENS <= ids.length; at += BLOCK_TOKENS) {
    const block = new Uint8Array(ids.buffer, ids.byteOffset + at * 4, BLOCK_TOKENS * 4);
    parent = createHash('sha256').update(parent).update(block).digest('base64');
    keys.push(parent);
  }
  return keys;
}

/** A request's prompt as the server accounts for it. */
export interface PromptTokens {
  /** Input tokens its usage reports, cached ones included. */
  input: number;
  /** Of them, the ones served from the cache: reported as cached, no prefill. */
  cached: number;
  /** Tokens that pay prefill. */
  prefill: number;
}

/**
 * A request's prompt, tokenized once: counted, or with the cache on, its token ids looked up and
 * cached. A chained Responses turn (`context`: the tokens of the conversation it continues) skips the
 * block cache: its own input follows a context whose token ids the server does not keep (a stored
 * response is a count), so its blocks cannot be keyed as a real server keys them. Its context stays free
 * as it always was, and with the cache on is reported as cached, as a real server holding the
 * conversation reports it; its own input pays prefill in full.
 */
export function promptCost(prompt: Prompt, cache: PrefixCache | undefined, context?: number): PromptTokens {
  if (context !== undefined) {
    const own = promptTokens(prompt);
    return { input: context + own, cached: cache === undefined ? 0 : context, prefill: own };
  }
  if (cache === undefined) {
    const n = promptTokens(prompt);
    return { input: n, cached: 0, prefill: n };
  }
  const ids = promptTokenIds(prompt);
  const cached = cache.serve(ids);
  return { input: ids.length, cached, prefill: ids.length - cached };
}
