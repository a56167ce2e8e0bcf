/**
 * A byte-level JSON reader for the decoders' fast paths: it checks that a payload is one well-formed JSON
 * object and records where the values of a few chosen top-level keys lie, so a delta string can be cut
 * out without `JSON.parse` building the whole object (~1.1 µs per 200-byte event, more than the budget).
 *
 * It validates everything it walks (string escapes, control characters, number grammar, literals, nesting)
 * because a fast path that accepted what `JSON.parse` rejects would report deltas from malformed frames.
 * Whatever it does not handle (escaped keys, very deep nesting) makes `scan` return false and the caller
 * falls back to `JSON.parse`, so the fast path never has to be complete, only right when it answers.
 */

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const MAX_DEPTH = 64;
/** Up to this many ASCII bytes, a string is built in JS rather than by `toString`. */
const SHORT = 24;
const ESCAPED = 1;
const NON_ASCII = 2;

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

/** What `skipString` saw in the string it just skipped (an object: cheaper than module `let`s). */
export const seen = { escape: false, nonAscii: false };

/** Per byte inside a string: 0 plain ASCII, 1 quote, 2 backslash, 3 control character, 4 non-ASCII. */
const STRING_CLASS = new Uint8Array(256);
STRING_CLASS.fill(3, 0, SPACE);
STRING_CLASS[QUOTE] = 1;
STRING_CLASS[BACKSLASH] = 2;
STRING_CLASS.fill(4, 0x80, 256);

const ESCAPABLE = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPABLE[c.charCodeAt(0)] = 1;

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function skipSpace(buf: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = buf[i];
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    i++;
  }
  return i;
}

/** `buf[i]` is an opening quote; returns the offset just past the closing quote, or -1. */
export function skipString(buf: Buffer, i: number, end: number): number {
  seen.escape = false;
  seen.nonAscii = false;
  i++;
  while (i < end) {
    while (i < end && STRING_CLASS[buf[i]] === 0) i++;
    if (i >= end) return -1;
    const k = STRING_CLASS[buf[i++]];
    if (k === 1) return i;
    if (k === 4) {
      seen.nonAscii = true;
    } else if (k === 2) {
      seen.escape = true;
      if (i >= end) return -1;
      const e = buf[i++];
      if (e === 117 /* u */) {
        if (i + 4 > end || !isHex(buf[i]) || !isHex(buf[i + 1]) || !isHex(buf[i + 2]) || !isHex(buf[i + 3])) {
          return -1;
        }
        i += 4;
      } else if (ESCAPABLE[e] === 0) {
        return -1;
      }
    } else {
      return -1;
    }
  }
  return -1;
}

function skipDigits(buf: Buffer, i: number, end: number): number {
  const from = i;
  while (i < end && buf[i] >= ZERO && buf[i] <= NINE) i++;
  return i > from ? i : -1;
}

/** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
export function skipNumber(buf: Buffer, i: number, end: number): number {
  if (buf[i] === MINUS) i++;
  if (i >= end) return -1;
  if (buf[i] === ZERO) i++;
  else if ((i = skipDigits(buf, i, end)) < 0) return -1;
  if (i < end && buf[i] === DOT && (i = skipDigits(buf, i + 1, end)) < 0) return -1;
  if (i < end && (buf[i] === 101 || buf[i] === 69)) {
    i++;
    if (i < end && (buf[i] === PLUS || buf[i] === MINUS)) i++;
    if ((i = skipDigits(buf, i, end)) < 0) return -1;
  }
  return i;
}

export function skipLiteral(buf: Buffer, i: number, end: number, word: Buffer): number {
  if (i + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (buf[i + k] !== word[k]) return -1;
  return i + word.length;
}

/** Skips the value starting at `i` (no leading whitespace); returns the offset past it, or -1. */
function skipValue(buf: Buffer, i: number, end: number, depth: number): number {
  const c = buf[i];
  if (c === QUOTE) return skipString(buf, i, end);
  if (c === LBRACE || c === LBRACKET) return depth >= MAX_DEPTH ? -1 : skipContainer(buf, i, end, depth + 1);
  if (c === MINUS || (c >= ZERO && c <= NINE)) return skipNumber(buf, i, end);
  if (c === 116) return skipLiteral(buf, i, end, TRUE);
  if (c === 102) return skipLiteral(buf, i, end, FALSE);
  if (c === 110) return skipLiteral(buf, i, end, NULL);
  return -1;
}

function skipContainer(buf: Buffer, i: number, end: number, depth: number): number {
  const isObject = buf[i] === LBRACE;
  const close = isObject ? RBRACE : RBRACKET;
  i = skipSpace(buf, i + 1, end);
  if (i < end && buf[i] === close) return i + 1;
  while (i < end) {
    if (isObject) {
      if (buf[i] !== QUOTE || (i = skipString(buf, i, end)) < 0) return -1;
      i = skipSpace(buf, i, end);
      if (i >= end || buf[i] !== COLON) return -1;
      i = skipSpace(buf, i + 1, end);
    }
    if (i >= end || (i = skipValue(buf, i, end, depth)) < 0) return -1;
    i = skipSpace(buf, i, end);
    if (i >= end) return -1;
    if (buf[i] === close) return i + 1;
    if (buf[i] !== COMMA) return -1;
    i = skipSpace(buf, i + 1, end);
  }
  return -1;
}

/**
 * Reusable scanner for one JSON object: after `scan` succeeds, `start[k]`/`end[k]` is the span of the
 * value of `keys[k]` (quotes included for strings), or -1 when the key is absent. Duplicate keys: the
 * last one wins, as with `JSON.parse`.
 *
 * A key may have a nested scanner, which reads that key's value in the same walk: the value itself
 * when it is an object, or its first element when it is an array (`count[k]` then holds the number of
 * elements). One walk over the bytes, however deep the fields a decoder needs.
 */
export class FieldScan {
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** Element count of an array value, -1 otherwise (kept for keys with a nested scanner only). */
  readonly count: Int32Array;
  private readonly flags: Uint8Array;
  private readonly keys: Buffer[];
  private readonly nested: Array<FieldScan | undefined>;

  constructor(keys: readonly string[], nested: Readonly<Record<string, FieldScan>> = {}) {
    this.keys = keys.map((k) => Buffer.from(k));
    this.nested = keys.map((k) => nested[k]);
    this.start = new Int32Array(keys.length);
    this.end = new Int32Array(keys.length);
    this.count = new Int32Array(keys.length);
    this.flags = new Uint8Array(keys.length);
  }

  /** Whether `buf[start, end)` is exactly one JSON object (surrounding whitespace allowed). */
  scan(buf: Buffer, start: number, end: number): boolean {
    this.reset();
    const i = skipSpace(buf, start, end);
    if (i >= end || buf[i] !== LBRACE) return false;
    const after = this.walkObject(buf, i, end, 1);
    return after >= 0 && skipSpace(buf, after, end) === end;
  }

  private reset(): void {
    for (let k = 0; k < this.keys.length; k++) {
      this.start[k] = -1;
      this.nested[k]?.reset();
    }
  }

  /** `buf[i]` is `{`; returns the offset just past the matching `}`, or -1. */
  private walkObject(buf: Buffer, i: number, end: number, depth: number): number {
    i = skipSpace(buf, i + 1, end);
    if (i < end && buf[i] === RBRACE) return i + 1;
    while (i < end) {
      if (buf[i] !== QUOTE) return -1;
      const keyStart = i + 1;
      if ((i = skipString(buf, i, end)) < 0 || seen.escape) return -1;
      const k = this.keyIndex(buf, keyStart, i - 1);
      i = skipSpace(buf, i, end);
      if (i >= end || buf[i] !== COLON) return -1;
      i = skipSpace(buf, i + 1, end);
      if (i >= end) return -1;
      const valueStart = i;
      const inner = k >= 0 ? this.nested[k] : undefined;
      if (inner === undefined) {
        i = skipValue(buf, i, end, depth);
      } else if (depth >= MAX_DEPTH) {
        return -1;
      } else if (buf[i] === LBRACE) {
        inner.reset();
        i = inner.walkObject(buf, i, end, depth + 1);
      } else if (buf[i] === LBRACKET) {
        inner.reset();
        i = this.walkArray(buf, i, end, depth + 1, k, inner);
      } else {
        inner.reset();
        i = skipValue(buf, i, end, depth);
      }
      if (i < 0) return -1;
      if (k >= 0) {
        this.start[k] = valueStart;
        this.end[k] = i;
        this.flags[k] = buf[valueStart] !== QUOTE ? 0 : (seen.escape ? ESCAPED : 0) | (seen.nonAscii ? NON_ASCII : 0);
        if (buf[valueStart] !== LBRACKET) this.count[k] = -1;
      }
      i = skipSpace(buf, i, end);
      if (i >= end) return -1;
      if (buf[i] === RBRACE) return i + 1;
      if (buf[i] !== COMMA) return -1;
      i = skipSpace(buf, i + 1, end);
    }
    return -1;
  }

  /** `buf[i]` is `[`: the first element, when an object, goes to `inner`; the count to `count[k]`. */
  private walkArray(buf: Buffer, i: number, end: number, depth: number, k: number, inner: FieldScan): number {
    i = skipSpace(buf, i + 1, end);
    let n = 0;
    if (i < end && buf[i] === RBRACKET) {
      this.count[k] = 0;
      return i + 1;
    }
    while (i < end) {
      i = n === 0 && buf[i] === LBRACE ? inner.walkObject(buf, i, end, depth + 1) : skipValue(buf, i, end, depth);
      if (i < 0) return -1;
      n++;
      i = skipSpace(buf, i, end);
      if (i >= end) return -1;
      if (buf[i] === RBRACKET) {
        this.count[k] = n;
        return i + 1;
      }
      if (buf[i] !== COMMA) return -1;
      i = skipSpace(buf, i + 1, end);
    }
    return -1;
  }

  private keyIndex(buf: Buffer, s: number, e: number): number {
    const n = e - s;
    for (let k = 0; k < this.keys.length; k++) {
      const key = this.keys[k];
      if (key.length !== n) continue;
      let j = 0;
      while (j < n && buf[s + j] === key[j]) j++;
      if (j === n) return k;
    }
    return -1;
  }

  isString(buf: Buffer, k: number): boolean {
    return this.start[k] >= 0 && buf[this.start[k]] === QUOTE;
  }

  /** Absent or `null`: what the slow paths treat as "not there". */
  isAbsent(buf: Buffer, k: number): boolean {
    return this.start[k] < 0 || buf[this.start[k]] === 110;
  }

  /** The value of string key `k`, unescaped exactly as `JSON.parse` would. */
  string(buf: Buffer, k: number): string {
    const f = this.flags[k];
    return jsonString(buf, this.start[k], this.end[k], (f & ESCAPED) !== 0, (f & NON_ASCII) !== 0);
  }

  /** Whether string key `k` has no content bytes (`""`). */
  isEmptyString(k: number): boolean {
    return this.end[k] - this.start[k] === 2;
  }

  /** Whether string key `k` equals the unescaped ASCII `bytes`. */
  stringIs(buf: Buffer, k: number, bytes: Buffer): boolean {
    const s = this.start[k] + 1;
    if (this.flags[k] & ESCAPED || this.end[k] - 1 - s !== bytes.length) return false;
    for (let j = 0; j < bytes.length; j++) if (buf[s + j] !== bytes[j]) return false;
    return true;
  }
}

/**
 * The JSON string `buf[open, close)` (quotes included, as `skipString` delimited it), unescaped exactly as
 * `JSON.parse` would.
 */
export function jsonString(buf: Buffer, open: number, close: number, escaped: boolean, nonAscii: boolean): string {
  const s = open + 1;
  const e = close - 1;
  if (escaped) return JSON.parse(buf.toString('utf8', open, close)) as string;
  if (nonAscii || e - s > SHORT) return buf.toString('utf8', s, e);
  // A native toString costs more than building a few characters here, and most deltas are a token.
  let out = '';
  for (let j = s; j < e; j++) out += String.fromCharCode(buf[j]);
  return out;
}
