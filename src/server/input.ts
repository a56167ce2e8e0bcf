import { encodeOffThread, OFF_THREAD_CHARS } from '../shared/token-thread.js';
import { countText, encodeText } from '../shared/tokens.js';
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
 * Benchmarks resend the same long prompts: tokenizing 128k tokens blocks the event loop for 15–25 ms,
 * which would stall every other stream, so long texts keep their count, or their token ids where the
 * prefix cache needs them (4 bytes a token: 32 MB at most for 64 texts of 128k tokens).
 */
const LONG = 2048;
const counts = new BoundedStore<number>(64);
const ids = new BoundedStore<Uint32Array>(64);

/** The ids of the request being answered, tokenized ahead off the loop (see `withTokens`). */
let ahead: ReadonlyMap<string, Uint32Array> | undefined;

function remembered<V>(
  store: BoundedStore<V>,
  text: string,
  make: (text: string) => V,
  fromIds: (ids: Uint32Array) => V,
): V {
  const known = ahead?.get(text);
  if (text.length < LONG) return known === undefined ? make(text) : fromIds(known);
  let v = store.get(text);
  if (v === undefined) {
    v = known === undefined ? make(text) : fromIds(known);
    store.set(text, v);
  }
  return v;
}

/** The o200k token count of a prompt: each text counted on its own, as the prefix cache sees it. */
export function promptTokens(prompt: Prompt): number {
  let n = 0;
  for (const text of prompt) n += remembered(counts, text, countText, (ids) => ids.length);
  return n;
}

/** The o200k token ids of a prompt, its texts' ids one after the other. */
export function promptTokenIds(prompt: Prompt): Uint32Array {
  const parts = prompt.map((text) => remembered(ids, text, encodeText, (ids) => ids));
  const all = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/**
 * Tokenizes the strings of a request's parsed body on the tokenizer thread when together they are long
 * enough to stall the loop that writes every other stream (a megabyte: ~250 ms). Undefined when they
 * are not: then the request tokenizes its prompt on the loop, as it always may. The walk is iterative
 * (a body may nest deeply) and linear in the body.
 */
export function tokenizeAhead(body: unknown): Promise<ReadonlyMap<string, Uint32Array>> | undefined {
  const texts = new Set<string>();
  let chars = 0;
  const stack = [body];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (!texts.has(v)) chars += v.length;
      texts.add(v);
    } else if (typeof v === 'object' && v !== null) {
      for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push(child);
    }
  }
  if (chars < OFF_THREAD_CHARS) return undefined;
  const all = [...texts];
  return encodeOffThread(all).then((ids) => new Map(all.map((t, i) => [t, ids[i]])));
}

/** Runs `answer` (which tokenizes its prompt synchronously) with the ids tokenized ahead for it. */
export function withTokens<T>(tokens: ReadonlyMap<string, Uint32Array> | undefined, answer: () => T): T {
  ahead = tokens;
  try {
    return answer();
  } finally {
    ahead = undefined;
  }
}
