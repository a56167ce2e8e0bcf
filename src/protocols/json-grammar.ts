/**
 * JSON grammar at the byte level, shared by the fast paths (json-scan.ts walks any object with it,
 * delta-template.ts matches one fixed layout with it). Each `skip*` validates what it skips exactly as
 * JSON.parse would accept it and returns the offset just past it, or -1.
 */

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
export const QUOTE = 34;
const PLUS = 43;
export const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
export const COLON = 58;
export const LBRACKET = 91;
const BACKSLASH = 92;
export const RBRACKET = 93;
export const LBRACE = 123;
export const RBRACE = 125;
export const MAX_DEPTH = 64;
/** Up to this many ASCII bytes, a string is built in JS rather than by `toString`. */
const SHORT = 24;
export const ESCAPED = 1;
export const NON_ASCII = 2;

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

export function skipSpace(buf: Buffer, i: number, end: number): number {
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
export function skipValue(buf: Buffer, i: number, end: number, depth: number): number {
  const c = buf[i];
  if (c === QUOTE) return skipString(buf, i, end);
  if (c === LBRACE || c === LBRACKET) return depth >= MAX_DEPTH ? -1 : skipContainer(buf, i, end, depth + 1);
  if (c === MINUS || (c >= ZERO && c <= NINE)) return skipNumber(buf, i, end);
  if (c === 116) return skipLiteral(buf, i, end, TRUE);
  if (c === 102) return skipLiteral(buf, i, end, FALSE);
  if (c === 110) return skipLiteral(buf, i, end, NULL);
  return -1;
}

export function skipContainer(buf: Buffer, i: number, end: number, depth: number): number {
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
