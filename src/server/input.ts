import { countTokens, encode } from 'gpt-tokenizer/encoding/o200k_base';

import { boundedCount, textPieces } from '../shared/text-pieces.js';
import { BoundedStore } from './store.js';

/** The text fields of a request's prompt, in the order the model reads them. */
export type Prompt = readonly string[];

/**
 * The prompt of a request's fields: strings, and the text fields of input items, messages and content
 * parts (`text`, `content`, function call `arguments` and `output`), recursively, in order.
 */
export function promptOf(...values: unknown[]): string[] {
  const texts: string[] = [];
  for (const v of values) collect(v, texts);
  return texts;
}

function collect(value: unknown, texts: string[]): void {
  if (typeof value === 'string') texts.push(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, texts);
  else if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    for (const v of [o.text, o.content, o.arguments, o.output]) collect(v, texts);
  }
}

/**
 * Text that looks like a special token ("<|endoftext|>") is read as plain text, as the real APIs read a
 * user's text: the tokenizer's default throws on it, which took the whole server down.
 */
const PLAIN = { disallowedSpecial: new Set<string>() };

/**
 * Benchmarks resend the same long prompts: tokenizing 128k tokens blocks the event loop for 15–25 ms,
 * which would stall every other stream, so long texts keep their count, or their token ids where the
 * prefix cache needs them (4 bytes a token: 32 MB at most for 64 texts of 128k tokens).
 */
const LONG = 2048;
const counts = new BoundedStore<number>(64);
const ids = new BoundedStore<Uint32Array>(64);

function remembered<V>(store: BoundedStore<V>, text: string, make: (text: string) => V): V {
  if (text.length < LONG) return make(text);
  let v = store.get(text);
  if (v === undefined) {
    v = make(text);
    store.set(text, v);
  }
  return v;
}

// In pieces: a prompt with a long run and no spaces must not stall every stream the server is writing.
const count = boundedCount((text) => countTokens(text, PLAIN));
function encodeText(text: string): Uint32Array {
  const ids: number[] = [];
  for (const piece of textPieces(text)) ids.push(...encode(piece, PLAIN));
  return Uint32Array.from(ids);
}

/** The o200k token count of a prompt: each text counted on its own, as the prefix cache sees it. */
export function promptTokens(prompt: Prompt): number {
  let n = 0;
  for (const text of prompt) n += remembered(counts, text, count);
  return n;
}

/** The o200k token ids of a prompt, its texts' ids one after the other. */
export function promptTokenIds(prompt: Prompt): Uint32Array {
  const parts = prompt.map((text) => remembered(ids, text, encodeText));
  const all = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}
