import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';

import type { RequestLine } from '../result/requests/line.js';
import type { BlockListener, Output } from './output.js';

/** Text held before a write: a write per request falls behind at thousands a second (as requests.jsonl's). */
const BATCH_CHARS = 64 * 1024;

const reason = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/**
 * A file of one record per completed request, written as they come to a temporary name beside it and
 * renamed at the end: a reader never takes a half-written file for a finished one. Subclasses say what a
 * request's record is and what comes first.
 */
export abstract class LineFile implements Output, BlockListener {
  private readonly tmp: string;
  private stream: WriteStream | undefined;
  private batch = '';
  private failure: string | undefined;

  constructor(readonly file: string) {
    this.tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  }

  protected abstract header(): string;
  protected abstract record(line: RequestLine, json: string): string;

  async start(): Promise<void> {
    const stream = createWriteStream(this.tmp);
    // A missing folder or a read-only one shows here, before the run sends anything.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err) => reject(new Error(`cannot write ${this.file} (${reason(err)})`)));
    });
    // Unlistened, a later write error (disk full) would crash the run in the middle of a benchmark.
    stream.on('error', (err) => {
      this.failure ??= `cannot write ${this.file} (${reason(err)})`;
    });
    this.stream = stream;
    this.batch = this.header();
  }

  request(line: RequestLine, json: string): void {
    if (this.failure !== undefined) return;
    this.batch += this.record(line, json);
    if (this.batch.length >= BATCH_CHARS) this.flush();
  }

  /** A finished block makes the file current, however slowly requests come. */
  blockDone(): void {
    this.flush();
  }

  private flush(): void {
    if (this.batch.length > 0 && this.failure === undefined) this.stream?.write(this.batch);
    this.batch = '';
  }

  async end(): Promise<void> {
    const stream = this.stream;
    if (stream === undefined) return;
    this.flush();
    stream.end();
    await finished(stream).catch(() => {});
    try {
      if (this.failure !== undefined) throw new Error(this.failure);
      await rename(this.tmp, this.file);
    } catch (err) {
      await rm(this.tmp, { force: true });
      throw new Error(this.failure ?? `cannot write ${this.file} (${reason(err)})`, { cause: err });
    }
  }
}
