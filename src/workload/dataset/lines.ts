/** The line splitter of the line formats (JSONL, Mooncake, the CSV traces). */
import type { FileWindow } from './window.js';

const LF = 0x0a;
const CR = 0x0d;

/** One line: its text without the line break, 1-based number, and where its bytes are in the file. */
type OnLine = (text: string, line: number, offset: number, bytes: number) => void;

/**
 * Calls `onLine` for every line of the window's file, synchronously within each chunk read (a callback per
 * line rather than an async iterator: this is the loop of a million-line trace). A line longer than the
 * window's record limit goes to `tooLarge` instead, which must throw.
 */
export async function eachLine(w: FileWindow, onLine: OnLine, tooLarge: (line: number) => never): Promise<void> {
  let line = 1;
  let start = 0;
  let scan = 0;
  const emit = (end: number): void => {
    const stop = end > start && w.buf[end - 1] === CR ? end - 1 : end;
    // A line that arrived whole in one read was never measured below: the limit holds for it too.
    if (stop - start > w.maxRecord) tooLarge(line);
    onLine(w.buf.toString('utf8', start, stop), line, w.base + start, stop - start);
  };
  for (;;) {
    // Bytes past `end` are stale: a line break found there does not count.
    const lf = w.buf.indexOf(LF, scan);
    if (lf !== -1 && lf < w.end) {
      emit(lf);
      line++;
      start = scan = lf + 1;
      continue;
    }
    // Not yet ended: its last byte may be the CR of a CRLF, which is no part of the line.
    if (w.end - start > w.maxRecord + 1) tooLarge(line);
    scan = w.end - start;
    const more = await w.more(start);
    start = 0;
    if (!more) break;
  }
  if (w.end > start) emit(w.end);
}
