/**
 * FileWindow's invariant, which the line splitter and the ShareGPT scanner rely on: after every `more`,
 * `buf[0, end)` holds the file's bytes from `base` on, whatever was kept and however the buffer grew.
 */
import { readFileSync, statSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { rng } from '../../../src/shared/rng.js';
import { FileWindow, tooLarge } from '../../../src/workload/dataset/window.js';
import { int } from '../../random-json.js';
import { datasetFile, tempPath } from './helpers.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Reads `file` to its end, keeping nothing between reads; returns the bytes seen and the reads made. */
async function readAll(file: string, chunkBytes: number): Promise<{ bytes: Buffer; reads: number[] }> {
  const w = await FileWindow.open(file, { chunkBytes });
  const parts: Buffer[] = [];
  const reads: number[] = [];
  try {
    while (await w.more(w.end)) {
      reads.push(w.end);
      parts.push(Buffer.from(w.buf.subarray(0, w.end)));
    }
    expect(w.end).toBe(0);
  } finally {
    await w.close();
  }
  return { bytes: Buffer.concat(parts), reads };
}

describe('tooLarge', () => {
  it.each([
    [256, '256 bytes'],
    [2 ** 20 - 1, '1048575 bytes'],
    [2 ** 20, '1 MiB'],
    [64 << 20, '64 MiB'],
  ])('%i → "larger than %s"', (limit, size) => {
    expect(tooLarge(limit)).toBe(`larger than ${size}: a record this large is not a request`);
  });
});

describe('FileWindow', () => {
  it('opens with the file size and mtime, nothing read yet', async () => {
    const file = datasetFile('w.txt', 'hello\n');
    const w = await FileWindow.open(file, {});
    try {
      expect([w.size, w.mtimeMs, w.base, w.end]).toEqual([6, statSync(file).mtimeMs, 0, 0]);
      expect(w.maxRecord).toBe(64 << 20);
    } finally {
      await w.close();
    }
  });

  it('rejects a file that does not exist with the system error', async () => {
    await expect(FileWindow.open(tempPath('missing.txt'), {})).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([1, 2, 3, 7, 64])('reads the whole file in reads of %i bytes', async (chunkBytes) => {
    const content = Buffer.from('ab\nc€😀\r\n'.repeat(5));
    const { bytes, reads } = await readAll(datasetFile('all.txt', content), chunkBytes);
    expect(bytes).toEqual(content);
    expect(reads.slice(0, -1).every((n) => n === chunkBytes)).toBe(true);
  });

  it('steps over a UTF-8 byte order mark, and only a whole one at the start', async () => {
    const withBom = Buffer.concat([BOM, Buffer.from('id,n\n')]);
    expect((await readAll(datasetFile('bom.csv', withBom), 2)).bytes.toString()).toBe('id,n\n');
    const w = await FileWindow.open(tempPath('bom.csv'), {});
    expect(w.base).toBe(3);
    await w.close();
    for (const content of [BOM.subarray(0, 2), Buffer.from('x\ufeff'), Buffer.from('a')])
      expect((await readAll(datasetFile('other.csv', content), 1)).bytes).toEqual(content);
    // A file that is only the mark has nothing to read.
    expect((await readAll(datasetFile('only.csv', BOM), 4)).reads).toEqual([]);
  });

  it('a chunk size below 1 reads a byte at a time rather than nothing', async () => {
    const { bytes, reads } = await readAll(datasetFile('zero.txt', 'abc'), 0);
    expect([bytes.toString(), reads]).toEqual(['abc', [1, 1, 1]]);
  });

  it('keeps bytes from `keep` on, whatever is kept, across growth and moves (seeded random keeps)', async () => {
    const r = rng(99);
    const content = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31 + (i >> 5)) & 0xff));
    const file = datasetFile('keep.bin', content);
    for (const chunkBytes of [1, 5, 16, 100]) {
      const w = await FileWindow.open(file, { chunkBytes });
      try {
        for (;;) {
          const keep = int(r, w.end + 1);
          const kept = w.end - keep;
          const base = w.base + keep;
          const more = await w.more(keep);
          expect(w.base).toBe(base);
          // A read is at least a chunk and at least what was kept; less only at the end of the file.
          expect(w.end - kept).toBe(Math.min(Math.max(chunkBytes, kept), content.length - base - kept));
          expect(w.buf.subarray(0, w.end)).toEqual(content.subarray(base, base + w.end));
          expect(more).toBe(w.end > kept);
          if (!more) break;
        }
      } finally {
        await w.close();
      }
    }
  });

  it('a growing record costs few reads: each is as large as what is kept', async () => {
    const content = Buffer.alloc(1000, 'x');
    const w = await FileWindow.open(datasetFile('grow.txt', content), { chunkBytes: 4 });
    let reads = 0;
    try {
      while (await w.more(0)) reads++;
      expect(w.end).toBe(1000);
      expect(readFileSync(tempPath('grow.txt'))).toEqual(w.buf.subarray(0, w.end));
    } finally {
      await w.close();
    }
    // 4, 4, 8, 16, … doubling: log2(1000 / 4) + 2 reads, where fixed 4-byte reads would take 250.
    expect(reads).toBeLessThanOrEqual(Math.ceil(Math.log2(1000 / 4)) + 2);
  });
});
