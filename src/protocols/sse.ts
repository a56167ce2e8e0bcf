import type { Nanos, StreamDecoder } from '../core/types.js';

/**
 * A server-sent events reader (WHATWG event-stream parsing) over raw `Buffer` chunks.
 *
 * Nothing is decoded to a string here: line ends and field names are ASCII, so they can be found in the
 * bytes, and a chunk boundary inside a multi-byte UTF-8 character needs no care. When an event's only
 * data line lies wholly inside one chunk the callback gets a view of that chunk (the common case: no copy
 * at all); a line that spans chunks, or an event with several data lines, is copied into a growable carry
 * buffer. There is no line-length limit.
 *
 * The callback's bytes are valid only during the call. The reader keeps views of pushed chunks until the
 * event they belong to is dispatched, so callers must not reuse a chunk's memory after pushing it.
 */
export type SseCallback = (data: Buffer, start: number, end: number, t: Nanos) => void;

const LF = 10;
const CR = 13;
const SPACE = 32;
const COLON = 58;
const BOM = [0xef, 0xbb, 0xbf];
const EMPTY: Buffer = Buffer.alloc(0);

/** A growable byte buffer that is reused across lines and events. */
/**
 * No fixed line buffer (vLLM's misread long-context streams), but a bound: a server that never sends a
 * line end must cost a protocol error, not the harness's memory. Far above any real event (a 128k-token
 * response.completed is a few MB).
 */
export const MAX_CARRY_BYTES = 64 * 1024 * 1024;

export class SseLineTooLong extends Error {
  constructor() {
    super(`an SSE line or event grew past ${MAX_CARRY_BYTES} bytes without ending`);
    this.name = 'SseLineTooLong';
  }
}

class Carry {
  buf: Buffer = EMPTY;
  len = 0;

  append(src: Buffer, start: number, end: number): void {
    this.reserve(this.len + end - start);
    this.len += src.copy(this.buf, this.len, start, end);
  }

  appendByte(b: number): void {
    this.reserve(this.len + 1);
    this.buf[this.len++] = b;
  }

  private reserve(need: number): void {
    if (need <= this.buf.length) return;
    if (need > MAX_CARRY_BYTES) throw new SseLineTooLong();
    const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2, 256));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
}

function isField(buf: Buffer, s: number, name: Buffer): boolean {
  for (let j = 0; j < name.length; j++) if (buf[s + j] !== name[j]) return false;
  return true;
}

const DATA = Buffer.from('data');
const EVENT = Buffer.from('event');

export class SseReader {
  /** Leading bytes held back until we know whether they are a BOM; null once decided. */
  private head: Buffer | null = EMPTY;
  /** The start of a line whose end has not arrived yet. */
  private readonly line = new Carry();
  /** The last chunk ended with CR: an LF starting the next chunk belongs to that line end. */
  private skipLF = false;

  private dataLines = 0;
  /** The event's data is in `joined` rather than in the view below. */
  private dataJoined = false;
  private dataBuf: Buffer = EMPTY;
  private dataStart = 0;
  private dataEnd = 0;
  private readonly joined = new Carry();

  private eventBuf: Buffer = EMPTY;
  private eventStart = 0;
  private eventEnd = 0;
  private readonly eventCopy = new Carry();

  constructor(private readonly onEvent: SseCallback) {}

  /** The `event:` name of the event being dispatched (undefined when absent or empty). */
  eventType(): string | undefined {
    return this.eventEnd > this.eventStart ? this.eventBuf.toString('utf8', this.eventStart, this.eventEnd) : undefined;
  }

  push(chunk: Buffer, t: Nanos): void {
    let buf = chunk;
    if (this.head !== null) {
      const h = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      let i = 0;
      while (i < 3 && i < h.length && h[i] === BOM[i]) i++;
      if (i === h.length && i < 3) {
        this.head = h;
        return;
      }
      this.head = null;
      buf = i === 3 ? h.subarray(3) : h;
    }
    const len = buf.length;
    let pos = 0;
    if (this.skipLF && len > 0) {
      this.skipLF = false;
      if (buf[0] === LF) pos = 1;
    }
    let lf = buf.indexOf(LF, pos);
    // Most streams never send CR: one search per chunk settles that.
    let cr = buf.indexOf(CR, pos);
    while (true) {
      // A blank line (the end of every event) needs no search.
      if (lf !== -1 && lf < pos) lf = pos < len && buf[pos] === LF ? pos : buf.indexOf(LF, pos);
      if (cr !== -1 && cr < pos) cr = buf.indexOf(CR, pos);
      const eol = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      if (eol === -1) break;
      let next = eol + 1;
      if (eol === cr) {
        if (next === len) this.skipLF = true;
        else if (buf[next] === LF) next++;
      }
      if (this.line.len > 0) {
        this.line.append(buf, pos, eol);
        this.processLine(this.line.buf, 0, this.line.len, false, t);
        this.line.len = 0;
      } else {
        this.processLine(buf, pos, eol, true, t);
      }
      pos = next;
    }
    if (pos < len) this.line.append(buf, pos, len);
  }

  /** `stable`: the bytes stay untouched until dispatch (a pushed chunk, not the line carry). */
  private processLine(buf: Buffer, s: number, e: number, stable: boolean, t: Nanos): void {
    const n = e - s;
    if (n === 0) return this.dispatch(t);
    const c = buf[s];
    if (c === 100 /* d */ && n >= 4 && isField(buf, s, DATA)) {
      if (n === 4) return this.addData(buf, e, e, stable);
      if (buf[s + 4] === COLON) return this.addData(buf, n > 5 && buf[s + 5] === SPACE ? s + 6 : s + 5, e, stable);
    } else if (c === 101 /* e */ && n >= 5 && isField(buf, s, EVENT)) {
      if (n === 5) return this.setEvent(buf, e, e, stable);
      if (buf[s + 5] === COLON) return this.setEvent(buf, n > 6 && buf[s + 6] === SPACE ? s + 7 : s + 6, e, stable);
    }
    // Comments, id, retry and unknown fields do not affect what we report.
  }

  private addData(buf: Buffer, s: number, e: number, stable: boolean): void {
    if (this.dataLines === 0) {
      if (stable) {
        this.dataBuf = buf;
        this.dataStart = s;
        this.dataEnd = e;
        this.dataJoined = false;
      } else {
        this.joined.len = 0;
        this.joined.append(buf, s, e);
        this.dataJoined = true;
      }
    } else {
      if (!this.dataJoined) {
        this.joined.len = 0;
        this.joined.append(this.dataBuf, this.dataStart, this.dataEnd);
        this.dataJoined = true;
      }
      this.joined.appendByte(LF);
      this.joined.append(buf, s, e);
    }
    this.dataLines++;
  }

  private setEvent(buf: Buffer, s: number, e: number, stable: boolean): void {
    if (stable) {
      this.eventBuf = buf;
      this.eventStart = s;
      this.eventEnd = e;
    } else {
      this.eventCopy.len = 0;
      this.eventCopy.append(buf, s, e);
      this.eventBuf = this.eventCopy.buf;
      this.eventStart = 0;
      this.eventEnd = this.eventCopy.len;
    }
  }

  private dispatch(t: Nanos): void {
    if (this.dataLines > 0) {
      if (this.dataJoined) this.onEvent(this.joined.buf, 0, this.joined.len, t);
      else this.onEvent(this.dataBuf, this.dataStart, this.dataEnd, t);
    }
    this.dataLines = 0;
    this.dataBuf = EMPTY;
    this.eventBuf = EMPTY;
    this.eventStart = this.eventEnd = 0;
  }
}

/** What an SSE stream decoder needs of a protocol's event decoder. */
export interface SseEvents {
  event(buf: Buffer, start: number, end: number, t: Nanos): void;
}

/**
 * An HTTP body of SSE events, each handed to the protocol's event decoder; `onEnd` says what the end of
 * the body means for that protocol (done, or a stream cut short).
 */
export class SseStreamDecoder implements StreamDecoder {
  private readonly reader: SseReader;

  constructor(
    events: SseEvents,
    private readonly onEnd: (t: Nanos) => void,
  ) {
    this.reader = new SseReader((buf, start, end, t) => events.event(buf, start, end, t));
  }

  push(chunk: Buffer, t: Nanos): void {
    this.reader.push(chunk, t);
  }

  end(t: Nanos): void {
    this.onEnd(t);
  }
}
