import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { BoundedStore } from './store.js';

/**
 * Benchmarks resend the same long prompts: tokenizing 128k tokens blocks the event loop for 15–50 ms,
 * which would stall every other stream, so long texts keep their count.
 */
const LONG = 2048;
const counts = new BoundedStore<number>(64);

function count(text: string): number {
  if (text.length < LONG) return countTokens(text);
  let n = counts.get(text);
  if (n === undefined) {
    n = countTokens(text);
    counts.set(text, n);
  }
  return n;
}

/**
 * Token count of the text a request carries: strings, and the text fields of input items, messages and
 * content parts (`text`, `content`, function call `arguments` and `output`), recursively.
 */
export function inputTokens(value: unknown): number {
  if (typeof value === 'string') return count(value);
  if (Array.isArray(value)) {
    let n = 0;
    for (const v of value) n += inputTokens(v);
    return n;
  }
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    return inputTokens(o.text) + inputTokens(o.content) + inputTokens(o.arguments) + inputTokens(o.output);
  }
  return 0;
}
