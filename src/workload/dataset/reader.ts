/**
 * Reads a dataset's records by index, with positional reads at the offsets the indexing pass kept: the
 * file's text is read when a request needs it, never held whole.
 */
import { type FileHandle, open } from 'node:fs/promises';

import { ScenarioError } from '../../shared/input-error.js';
import type { DatasetRecord } from '../types.js';
import type { Decoder } from './fields.js';
import { decoderFor } from './formats.js';
import type { DatasetIndex } from './index.js';
import { isFsError, unreadable } from './problems.js';

/** Consecutive records are read in one go up to this many bytes: a long run does not become one huge buffer. */
const MAX_READ_BYTES = 4 << 20;

export class DatasetReader {
  private file: Promise<FileHandle> | undefined;
  private readonly decode: Decoder;

  constructor(private readonly index: DatasetIndex) {
    this.decode = decoderFor(index.format, index.csv);
  }

  /**
   * The records at `indexes` (0-based among the usable records), in the order asked. Indexes that follow
   * each other in the file are read with one read, whatever their order in the list.
   */
  async read(indexes: readonly number[]): Promise<DatasetRecord[]> {
    const { records, offsets, lengths } = this.index;
    for (const i of indexes) {
      if (!Number.isInteger(i) || i < 0 || i >= records)
        throw new RangeError(`record index ${i} is outside [0, ${records})`);
    }
    const fh = await this.handle();
    const wanted = Uint32Array.from(new Set(indexes)).sort();
    const found = new Map<number, DatasetRecord>();
    for (let first = 0; first < wanted.length;) {
      const from = offsets[wanted[first]];
      let last = first;
      while (
        last + 1 < wanted.length &&
        wanted[last + 1] === wanted[last] + 1 &&
        offsets[wanted[last + 1]] + lengths[wanted[last + 1]] - from <= MAX_READ_BYTES
      ) {
        last++;
      }
      const span = offsets[wanted[last]] + lengths[wanted[last]] - from;
      const buf = Buffer.allocUnsafe(span);
      const { bytesRead } = await this.guard(fh.read(buf, 0, span, from));
      if (bytesRead < span) throw this.changed(wanted[last]);
      for (let k = first; k <= last; k++) {
        const i = wanted[k];
        const at = offsets[i] - from;
        found.set(i, this.record(i, buf.toString('utf8', at, at + lengths[i])));
      }
      first = last + 1;
    }
    return indexes.map((i) => found.get(i)!);
  }

  async close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    // A file that failed to open (or was refused) has nothing to close; read() reported why.
    const fh = await file?.catch(() => undefined);
    await fh?.close();
  }

  private record(i: number, text: string): DatasetRecord {
    const parsed = this.decode(text, this.index.lines[i], i);
    if (!('record' in parsed)) throw this.changed(i);
    const { record } = parsed;
    if (this.index.timestamps !== undefined) record.timestampMs = this.index.timestamps[i];
    return record;
  }

  /** Opened on first use; a file that is not the one indexed (size or mtime differ) is refused. */
  private handle(): Promise<FileHandle> {
    this.file ??= this.guard(
      (async () => {
        const fh = await open(this.index.path, 'r');
        const stat = await fh.stat();
        if (stat.size !== this.index.size || stat.mtimeMs !== this.index.mtimeMs) {
          await fh.close();
          throw new ScenarioError(
            [{ path: '', message: 'the file changed after it was indexed; run again' }],
            this.index.path,
          );
        }
        return fh;
      })(),
    );
    return this.file;
  }

  private changed(i: number): ScenarioError {
    const line = this.index.lines[i];
    return new ScenarioError(
      [{ path: '', line, message: 'the record is not what was indexed: the file changed after it was indexed' }],
      this.index.path,
    );
  }

  /** File system errors as the ScenarioError naming the file. */
  private guard<T>(promise: Promise<T>): Promise<T> {
    return promise.catch((err: unknown) => {
      throw isFsError(err) ? unreadable(this.index.path, err) : err;
    });
  }
}
