/**
 * What the indexing pass keeps of each usable record — numbers only, never text: where its bytes are,
 * its line, and its arrival time — with the checks that span records (times never go back; a file has
 * times on every record or on none) and the count of skipped records per reason.
 */
import type { Parsed } from './fields.js';
import type { Problems } from './problems.js';

/** Numbers appended one at a time to a typed array that doubles when full. */
class Growable<T extends Float64Array | Uint32Array> {
  length = 0;

  constructor(private data: T) {}

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new (this.data.constructor as new (length: number) => T)(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  done(): T {
    return this.data.slice(0, this.length) as T;
  }
}

export interface Built {
  records: number;
  skipped: { count: number; reason: string }[];
  offsets: Float64Array;
  lengths: Uint32Array;
  lines: Uint32Array;
  timestamps?: Float64Array;
}

const ms = (value: number): string => `${Number(value.toFixed(6))} ms`;

export class IndexBuilder {
  /** Set once the format is known: names the time field in messages. */
  timeField = 'timestamp';
  private readonly offsets = new Growable(new Float64Array(1024));
  private readonly lengths = new Growable(new Uint32Array(1024));
  private readonly lines = new Growable(new Uint32Array(1024));
  private readonly times = new Growable(new Float64Array(1024));
  private readonly skips = new Map<string, number>();
  /** Whether the first usable record had a time; every other must do as it did. */
  private timed = false;
  private firstTime = 0;
  private previousMs = 0;
  private previousLine = 0;

  constructor(private readonly problems: Problems) {}

  /** One decoded record; `startsLine` says whether its text starts its line (so JSON error columns are exact). */
  add(parsed: Parsed, text: string, line: number, offset: number, bytes: number, startsLine: boolean): void {
    if ('issues' in parsed) {
      this.problems.addRecord(parsed.issues, text, line, startsLine);
    } else if ('skip' in parsed) {
      this.skips.set(parsed.skip, (this.skips.get(parsed.skip) ?? 0) + 1);
    } else if (this.timeFits(parsed.time, line)) {
      this.offsets.push(offset);
      this.lengths.push(bytes);
      this.lines.push(line);
    }
  }

  private timeFits(time: number | undefined, line: number): boolean {
    const path = this.timeField;
    if (this.lines.length === 0) {
      this.timed = time !== undefined;
      this.firstTime = time ?? 0;
    } else if (time === undefined && this.timed) {
      this.problems.add({
        path,
        line,
        message: 'required field is missing; expected a number >= 0 (ms), as the first record has one',
      });
      return false;
    } else if (time !== undefined && !this.timed) {
      this.problems.add({ path, line, message: 'the first record has none: give every record a time, or none' });
      return false;
    }
    if (time === undefined) return true;
    const at = time - this.firstTime;
    if (at < this.previousMs) {
      this.problems.add({
        path,
        line,
        message: `earlier than the record before it (line ${this.previousLine}): ${ms(at)} vs ${ms(this.previousMs)} after the first record; a trace is replayed in file order, so its times must not decrease`,
      });
      return false;
    }
    this.previousMs = at;
    this.previousLine = line;
    this.times.push(at);
    return true;
  }

  done(): Built {
    return {
      records: this.lines.length,
      skipped: [...this.skips].map(([reason, count]) => ({ count, reason })),
      offsets: this.offsets.done(),
      lengths: this.lengths.done(),
      lines: this.lines.done(),
      ...(this.timed && { timestamps: this.times.done() }),
    };
  }
}
