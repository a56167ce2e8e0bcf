import { countTokens, encode, setMergeCacheSize } from 'gpt-tokenizer/encoding/o200k_base';

import { textPieces } from './text-pieces.js';

/**
 * The tokenizer's merge cache (100k pre-tokens, least recently used first out) turns pathological once
 * full: evicting from a Map full of holes scans them, and after a megabyte of random base64 the next
 * megabyte took 50 s instead of 0.4 s. Without it, prose counts as fast (the same 25–75 ms a megabyte) and
 * base64 faster: the BPE of a short pre-token is cheaper than the cache's bookkeeping.
 */
export const MERGE_CACHE_SIZE = 0;
setMergeCacheSize(MERGE_CACHE_SIZE);

/**
 * Text that looks like a special token ("<|endoftext|>") is plain text, as the real APIs read a user's
 * text and as a model's output may carry it: the tokenizer's default throws on it.
 */
const PLAIN = { disallowedSpecial: new Set<string>() };

/**
 * The o200k token count of any text, in linear time (counted in pieces, see text-pieces.ts). With
 * `enough`, counting stops once that many tokens are found: every piece holds at least one, so the work
 * is bounded by `enough` pieces however long the text.
 */
export function countText(text: string, enough = Infinity): number {
  let n = 0;
  for (const piece of textPieces(text)) {
    n += countTokens(piece, PLAIN);
    if (n >= enough) break;
  }
  return n;
}

/** The o200k token ids of any text, in linear time (encoded in pieces). */
export function encodeText(text: string): Uint32Array {
  const ids: number[] = [];
  for (const piece of textPieces(text)) for (const id of encode(piece, PLAIN)) ids.push(id);
  return Uint32Array.from(ids);
}
