import type { Nanos, StreamDecoder } from '../core/types.js';
import { MAX_CARRY_BYTES, type SseEvents } from './sse.js';

/**
 * A newline-delimited JSON reader (Ollama, and most "JSON lines" streaming servers) over raw `Buffer`
 * chunks: one callback per line, LF or CRLF terminated, blank lines skipped.
 *
 * Like the SSE reader, nothing is decoded here: a line that lies wholly inside one chunk is handed over
 * as a view of that chunk, and only a line that spans chunks is joined, once, when its end arrives (so a
 * chunk boundary inside a UTF-8 character needs no care). There is no fixed line buffer, only the same
 * bound as SSE, so a server that never ends a line costs a protocol error, not the harness's memory.
 *
 * The callback's bytes are valid only during the call; the reader keeps views of pushed chunks until
 * their line ends, so callers must not reuse a chunk's memory after pushing it.
 */
export type LineCallback = (buf: Buffer, start: number, end: number, t: Nanos) => void;

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

export class NdjsonLineTooLong extends Error {
  constructor() {
    super(`an NDJSON line grew past ${MAX_CARRY_BYTES} bytes without ending`);
    this.name = 'NdjsonLineTooLong';
  }
}

export class NdjsonReader {
  /** The pieces of a line whose end has not arrived yet. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly onLine: LineCallback) {}

  push(chunk: Buffer, t: Nanos): void {
    let pos = 0;
    let lf = chunk.indexOf(LF);
    if (lf !== -1 && this.pendingBytes > 0) {
      this.pending.push(chunk.subarray(0, lf));
      const line = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      this.line(line, 0, line.length, t);
      pos = lf + 1;
      lf = chunk.indexOf(LF, pos);
    }
    while (lf !== -1) {
      this.line(chunk, pos, lf, t);
      pos = lf + 1;
      lf = chunk.indexOf(LF, pos);
    }
    if (pos < chunk.length) {
      this.pendingBytes += chunk.length - pos;
      if (this.pendingBytes > MAX_CARRY_BYTES) throw new NdjsonLineTooLong();
      this.pending.push(pos === 0 ? chunk : chunk.subarray(pos));
    }
  }

  /** The body ended: a last line without its newline is still a line (many servers omit it). */
  end(t: Nanos): void {
    if (this.pendingBytes === 0) return;
    const line = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.line(line, 0, line.length, t);
  }

  private line(buf: Buffer, start: number, end: number, t: Nanos): void {
    if (end > start && buf[end - 1] === CR) end--;
    let i = start;
    while (i < end && (buf[i] === SPACE || buf[i] === TAB || buf[i] === CR)) i++;
    if (i < end) this.onLine(buf, start, end, t);
  }
}

/**
 * An HTTP body of NDJSON lines, each handed to the protocol's event decoder (the same interface an SSE
 * body feeds); `onEnd` says what the end of the body means for that protocol.
 */
export class NdjsonStreamDecoder implements StreamDecoder {
  private readonly reader: NdjsonReader;

  constructor(
    events: SseEvents,
    private readonly onEnd: (t: Nanos) => void,
  ) {
    this.reader = new NdjsonReader((buf, start, end, t) => events.event(buf, start, end, t));
  }

  push(chunk: Buffer, t: Nanos): void {
    this.reader.push(chunk, t);
  }

  end(t: Nanos): void {
    this.reader.end(t);
    this.onEnd(t);
  }
}
