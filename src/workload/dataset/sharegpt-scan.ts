/**
 * Splits a ShareGPT file's top-level JSON array into its elements without parsing the whole file: real
 * files are hundreds of MB, often on one line. A byte scanner follows strings (and their escapes) and
 * bracket depth, and counts line breaks; each element is then handed over as text to be parsed alone.
 * Only the array's own syntax is checked here; an element's inside is JSON.parse's to judge.
 */
import type { Problems } from './problems.js';
import { type FileWindow, tooLarge } from './window.js';

/** One element: its text, the line it starts on, where its bytes are, and its place in the array. */
type OnElement = (text: string, line: number, offset: number, bytes: number, ordinal: number) => void;

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

// Where the scanner is in the array.
const BEFORE = 0; // before its `[`
const FIRST = 1; // after `[`: an element or `]`
const NEXT = 2; // after `,`: an element
const AFTER = 3; // after an element: `,` or `]`
const NESTED = 4; // inside an element that is an object, a list or a string
const SCALAR = 5; // inside an element that is a number, true, false or null
const CLOSED = 6; // after `]`

const shown = (c: number): string => (c < 0x80 ? JSON.stringify(String.fromCharCode(c)) : 'a non-ASCII character');

/**
 * The first unescaped `"` in `buf[from, end)`, or -1. A quote is escaped when an odd number of backslashes
 * precede it; counting them back never leaves the string, whose opening quote is still in the buffer.
 */
function closingQuote(buf: Buffer, from: number, end: number): number {
  for (let q = buf.indexOf(QUOTE, from); q !== -1 && q < end; q = buf.indexOf(QUOTE, q + 1)) {
    let b = q - 1;
    while (buf[b] === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q;
  }
  return -1;
}

export async function eachElement(w: FileWindow, problems: Problems, onElement: OnElement): Promise<void> {
  let state = BEFORE;
  let depth = 0;
  let inString = false;
  let line = 1;
  /** Where the current element starts in `buf`, -1 between elements. */
  let start = -1;
  let startLine = 0;
  let ordinal = 0;
  let i = 0;
  const fail = (message: string, at = line): never => problems.fail({ path: '', line: at, message });
  const emit = (end: number): void => {
    // An element that arrived whole in one read was never measured below: the limit holds for it too.
    if (end - start > w.maxRecord) fail(`element [${ordinal}] is ${tooLarge(w.maxRecord)}`, startLine);
    onElement(w.buf.toString('utf8', start, end), startLine, w.base + start, end - start, ordinal++);
    start = -1;
    state = AFTER;
  };

  for (;;) {
    const buf = w.buf;
    const end = w.end;
    /** The next line break at or after `i` (`end` if none): strings are skipped whole, their breaks counted from here. */
    let nextLf = -1;
    const lfFrom = (from: number): number => {
      const at = buf.indexOf(LF, from);
      return at === -1 || at > end ? end : at;
    };
    for (; i < end; i++) {
      if (inString) {
        // Most of a conversation's bytes are string text: jump from quote to quote rather than byte by byte.
        const close = closingQuote(buf, i, end);
        if (nextLf < i) nextLf = lfFrom(i);
        for (const stop = close === -1 ? end : close; nextLf < stop; nextLf = lfFrom(nextLf + 1)) line++;
        if (close === -1) {
          i = end;
          break;
        }
        i = close;
        inString = false;
        if (depth === 0) emit(i + 1);
        continue;
      }
      const c = buf[i];
      if (state === NESTED) {
        if (c === QUOTE) inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
        else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) emit(i + 1);
        else if (c === LF) line++;
        continue;
      }
      const space = c === SPACE || c === LF || c === CR || c === TAB;
      if (state === SCALAR) {
        if (!space && c !== COMMA && c !== CLOSE_BRACKET) continue;
        emit(i);
      }
      if (space) {
        if (c === LF) line++;
        continue;
      }
      switch (state) {
        case BEFORE:
          if (c !== OPEN_BRACKET)
            fail(
              `expected a JSON array of conversations ([{ "id": …, "conversations": […] }, …]), got ${shown(c)}; a file of one JSON object per line is \`jsonl\``,
            );
          state = FIRST;
          break;
        case AFTER:
          if (c === COMMA) state = NEXT;
          else if (c === CLOSE_BRACKET) state = CLOSED;
          else fail(`invalid JSON: expected "," or "]" after element [${ordinal - 1}], got ${shown(c)}`);
          break;
        case CLOSED:
          fail(`invalid JSON: ${shown(c)} after the array's closing "]"`);
          break;
        default: // FIRST or NEXT: an element starts, or the array ends
          if (c === CLOSE_BRACKET) {
            if (state === NEXT) fail('invalid JSON: "]" after ","');
            state = CLOSED;
            break;
          }
          start = i;
          startLine = line;
          depth = c === OPEN_BRACE || c === OPEN_BRACKET ? 1 : 0;
          inString = c === QUOTE;
          state = depth > 0 || inString ? NESTED : SCALAR;
      }
    }
    if (start >= 0 && w.end - start > w.maxRecord) {
      fail(`element [${ordinal}] is ${tooLarge(w.maxRecord)}`, startLine);
    }
    const keep = start >= 0 ? start : i;
    const more = await w.more(keep);
    i -= keep;
    if (start >= 0) start = 0;
    if (!more) break;
  }
  if (state === SCALAR) emit(i);
  if (state === NESTED)
    fail(`invalid JSON: the file ends inside element [${ordinal}], which starts at line ${startLine}`);
  if (state !== BEFORE && state !== CLOSED) fail('invalid JSON: the file ends before the array\'s closing "]"');
}
