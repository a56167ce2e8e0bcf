import { stampAt } from '../core/clock.js';
import type { Nanos } from '../core/types.js';
import { jsonString, seen, skipNumber, skipString } from './json-grammar.js';

/**
 * The one layout nearly every event of a Responses stream has — OpenAI's and the reference server's:
 *
 *   {"type":"response.output_text.delta","sequence_number":N,"item_id":"…","output_index":N,
 *    "content_index":N,"delta":"…","logprobs":[]}          then optionally ,"obfuscation":"…" and ,"wb_t":"…"
 *
 * matched against that fixed key order. The generic scan (json-scan.ts) walks any object and must find
 * each key by name; here the keys are known, so the work is comparing literals and delimiting three
 * strings. Every byte is still validated against the JSON grammar, so whatever it accepts parses the same
 * under JSON.parse; anything else (another order, extra keys, whitespace) returns false and takes the
 * generic path. The tests hold both paths to the same answers.
 *
 * A JS loop costs a few ns per byte, a native compare about as much as a few dozen bytes of it whatever
 * its length: the run from item_id to "delta", the same for every delta of an output item and ~95 bytes
 * with its id to validate, is compared natively with the last one validated. The prefix is not: there a
 * native compare measured no faster than the loop.
 */

const PREFIX = Buffer.from('{"type":"response.output_text.delta","sequence_number":');
const ITEM = Buffer.from(',"item_id":');
const OUTPUT = Buffer.from(',"output_index":');
const CONTENT = Buffer.from(',"content_index":');
const DELTA = Buffer.from(',"delta":');
const LOGPROBS = Buffer.from(',"logprobs":[]');
const OBFUSCATION = Buffer.from(',"obfuscation":');
const STAMP = Buffer.from(',"wb_t":');
const QUOTE = 34;
const RBRACE = 125;
/** Room for the item_id run (~95 bytes with OpenAI's ids); a longer one is validated every time. */
const RUN_ROOM = 256;

function literal(buf: Buffer, i: number, end: number, word: Buffer): number {
  if (i < 0 || i + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (buf[i + k] !== word[k]) return -1;
  return i + word.length;
}

function number(buf: Buffer, i: number, end: number): number {
  return i < 0 || i >= end ? -1 : skipNumber(buf, i, end);
}

function string(buf: Buffer, i: number, end: number): number {
  return i < 0 || i >= end || buf[i] !== QUOTE ? -1 : skipString(buf, i, end);
}

export class DeltaTemplate {
  /** The delta text, valid after `match` returned true. */
  delta = '';
  /** The `wb_t` stamp in harness time, when the event had one (NaN: not a stamp). */
  written: Nanos | undefined;

  /** `,"item_id":…,"delta":` of the last event matched, validated then; `runLen` 0: none yet. */
  private readonly run = Buffer.alloc(RUN_ROOM);
  private runLen = 0;

  /** Whether `buf[start, end)` is an output_text delta in the canonical layout; fills `delta` and `written`. */
  match(buf: Buffer, start: number, end: number): boolean {
    const seq = number(buf, literal(buf, start, end, PREFIX), end);
    const open = this.itemRun(buf, seq, end);
    let i = string(buf, open, end);
    if (i < 0) return false;
    const escaped = seen.escape;
    const nonAscii = seen.nonAscii;
    const close = i;
    i = literal(buf, i, end, LOGPROBS);
    if (i < 0) return false;
    const obfuscated = literal(buf, i, end, OBFUSCATION);
    if (obfuscated >= 0) i = string(buf, obfuscated, end);
    let written: Nanos | undefined;
    const stamped = literal(buf, i, end, STAMP);
    if (stamped >= 0) {
      i = string(buf, stamped, end);
      if (i < 0 || seen.escape || seen.nonAscii) return false;
      written = stampAt(buf, stamped + 1, i - 1);
    }
    if (i < 0 || i >= end || buf[i] !== RBRACE) return false;
    // Trailing whitespace is what JSON.parse allows after the object; SSE data lines rarely carry any.
    for (let j = i + 1; j < end; j++) {
      const c = buf[j];
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return false;
    }
    this.delta = jsonString(buf, open, close, escaped, nonAscii);
    this.written = written;
    return true;
  }

  /** Past the run from `,"item_id":` to `,"delta":` that starts at `i`, or -1. */
  private itemRun(buf: Buffer, i: number, end: number): number {
    const n = this.runLen;
    if (i >= 0 && n > 0 && i + n <= end && this.run.compare(buf, i, i + n, 0, n) === 0) return i + n;
    let j = string(buf, literal(buf, i, end, ITEM), end);
    j = number(buf, literal(buf, j, end, OUTPUT), end);
    j = number(buf, literal(buf, j, end, CONTENT), end);
    j = literal(buf, j, end, DELTA);
    if (j >= 0 && j - i <= RUN_ROOM) this.runLen = buf.copy(this.run, 0, i, j);
    return j;
  }
}
