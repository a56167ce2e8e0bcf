/**
 * A window sliding over a file: memory is one read chunk plus the record being read, whatever the size of
 * the file. Records are cut out of the window's bytes by the line splitter and the ShareGPT scanner.
 */
import { type FileHandle, open } from 'node:fs/promises';

export interface ReadOptions {
  /** Bytes per read (default 1 MiB); tests make it tiny so that records and UTF-8 sequences straddle reads. */
  chunkBytes?: number;
  /** A record longer than this is an error rather than a reason to buffer without bound (default 64 MiB). */
  maxRecordBytes?: number;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** The message for a record over the limit. */
export const tooLarge = (limit: number): string =>
  `larger than ${limit >= 2 ** 20 ? `${Math.round(limit / 2 ** 20)} MiB` : `${limit} bytes`}: a record this large is not a request`;

export class FileWindow {
  /** `buf[0, end)` holds the file's bytes from offset `base` on. */
  buf: Buffer;
  end = 0;
  base = 0;
  readonly maxRecord: number;
  private readonly chunk: number;

  private constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    readonly mtimeMs: number,
    options: ReadOptions,
  ) {
    this.chunk = Math.max(1, options.chunkBytes ?? 1 << 20);
    this.maxRecord = options.maxRecordBytes ?? 64 << 20;
    this.buf = Buffer.allocUnsafe(this.chunk);
  }

  /** Opens the file; a UTF-8 byte order mark (spreadsheets write one into CSVs) is stepped over. */
  static async open(path: string, options: ReadOptions): Promise<FileWindow> {
    const fh = await open(path, 'r');
    try {
      const stat = await fh.stat();
      const window = new FileWindow(fh, stat.size, stat.mtimeMs, options);
      const head = Buffer.alloc(3);
      await fh.read(head, 0, 3, 0);
      if (UTF8_BOM.every((b, i) => head[i] === b)) window.base = 3;
      return window;
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /**
   * Drops the bytes before `keep` — every position in `buf` moves down by `keep` — and reads on; false at
   * the end of the file. The buffer grows with the record being read, and a read is at least as large as
   * what is kept, so a record of n bytes costs O(n) copying, not O(n²/chunk).
   */
  async more(keep: number): Promise<boolean> {
    const kept = this.end - keep;
    const want = Math.max(this.chunk, kept);
    if (kept + want > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, kept + want));
      this.buf.copy(next, 0, keep, this.end);
      this.buf = next;
    } else if (keep > 0) {
      this.buf.copyWithin(0, keep, this.end);
    }
    this.base += keep;
    this.end = kept;
    const { bytesRead } = await this.fh.read(this.buf, kept, want, this.base + kept);
    this.end += bytesRead;
    return bytesRead > 0;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}
