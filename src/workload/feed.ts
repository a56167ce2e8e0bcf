import type { WorkItem } from './types.js';

/**
 * The work items of one variant, in order, made ahead of the load so that taking one is synchronous on
 * the path that starts requests. A dataset feed reads its file in batches behind the load; a synthetic
 * one makes each item when asked (it needs no I/O).
 */
export interface Feed {
  /** The next item; undefined when none is ready yet (await `more()`) or the feed is over (`ended`). */
  take(): WorkItem | undefined;
  /** No item will come any more (a trace's window is replayed). */
  readonly ended: boolean;
  /** Resolves once an item is ready or the feed is over; rejects if the file cannot be read. */
  more(): Promise<void>;
  close(): Promise<void>;
}

/** A feed whose items are made on demand from their number: never behind, never over. */
export class MadeFeed implements Feed {
  readonly ended = false;
  private i = 0;

  constructor(private readonly make: (i: number) => WorkItem) {}

  take(): WorkItem {
    return this.make(this.i++);
  }

  more(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Items a buffered feed keeps ready; it reads more when it holds fewer than LOW. */
const BATCH = 256;
const LOW = 64;

/**
 * A feed that reads its sources in batches (`read` returns the next ones, at most `count`, or none once
 * the source is over), one read at a time, starting the next while LOW are still buffered: the load takes
 * from memory and waits only when the file cannot keep up. Each item is made from its source when taken,
 * so the work of making items (a conversation's reply lengths, say) is spread over the requests rather
 * than done a batch at a time on the loop that times them.
 */
export class BufferedFeed<S> implements Feed {
  private buffer: S[] = [];
  private head = 0;
  private reading: Promise<void> | undefined;
  private failure: Error | undefined;
  private over = false;

  constructor(
    private readonly read: (count: number) => Promise<S[]>,
    private readonly make: (source: S) => WorkItem,
  ) {}

  get ended(): boolean {
    // A failed read is not an end: the consumer, finding nothing to take, calls more() and gets the failure.
    return this.over && this.head === this.buffer.length;
  }

  take(): WorkItem | undefined {
    if (this.buffer.length - this.head <= LOW) void this.fill();
    if (this.head === this.buffer.length) return undefined;
    const source = this.buffer[this.head];
    // The slot is released so that a taken source can be collected before its batch is dropped.
    this.buffer[this.head++] = undefined as S;
    return this.make(source);
  }

  async more(): Promise<void> {
    await this.fill();
    if (this.failure !== undefined) throw this.failure;
  }

  async close(): Promise<void> {
    this.over = true;
    await this.reading;
  }

  /** Never rejects: a failed read is kept for `more()` to report. */
  private fill(): Promise<void> {
    if (this.reading !== undefined || this.over || this.failure !== undefined) return this.reading ?? Promise.resolve();
    this.reading = this.read(BATCH)
      .then(
        (items) => {
          if (items.length === 0) this.over = true;
          this.buffer = this.buffer.slice(this.head).concat(items);
          this.head = 0;
        },
        (err: Error) => {
          this.failure = err;
        },
      )
      .finally(() => (this.reading = undefined));
    return this.reading;
  }
}
