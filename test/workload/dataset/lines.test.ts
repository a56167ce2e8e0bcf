/**
 * The line splitter of JSONL, Mooncake and the CSV traces: lines come out whole and decoded whatever the
 * read size (line breaks, CRLF pairs and UTF-8 sequences straddling reads), each with the byte offset and
 * length a reader later seeks to, and a line over the record limit is refused at its own line number.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { rng } from '../../../src/shared/rng.js';
import { eachLine } from '../../../src/workload/dataset/lines.js';
import { FileWindow, type ReadOptions } from '../../../src/workload/dataset/window.js';
import { int, pick } from '../../random-json.js';
import { datasetFile } from './helpers.js';

class TooLarge extends Error {
  constructor(readonly line: number) {
    super(`line ${line} is too large`);
  }
}

/** Every line of `content` as eachLine gives it, checked against the file's bytes at its offset. */
async function lines(content: string | Buffer, options: ReadOptions = {}): Promise<string[]> {
  const file = datasetFile('lines.txt', content);
  const bytes = readFileSync(file);
  const w = await FileWindow.open(file, options);
  const texts: string[] = [];
  try {
    await eachLine(
      w,
      (text, line, offset, length) => {
        expect(line).toBe(texts.length + 1);
        expect(bytes.toString('utf8', offset, offset + length)).toBe(text);
        texts.push(text);
      },
      (line) => {
        throw new TooLarge(line);
      },
    );
  } finally {
    await w.close();
  }
  return texts;
}

/** The reference: split at LF, drop what follows a final LF, strip one CR before each break (or the end). */
function reference(content: string): string[] {
  const parts = content.replace(/^\ufeff/, '').split('\n');
  if (parts.at(-1) === '') parts.pop();
  return parts.map((p) => p.replace(/\r$/, ''));
}

const CHUNKS = [1, 2, 3, 5, 64];

describe('eachLine', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    ['a\n', ['a']],
    ['a\nb', ['a', 'b']],
    ['a\n\nb\n', ['a', '', 'b']],
    ['\n', ['']],
    ['\n\n', ['', '']],
    ['a\r\nb\r\n', ['a', 'b']],
    ['a\rb\n', ['a\rb']],
    ['a\r\r\n', ['a\r']],
    ['a\r', ['a']],
    ['\r\n', ['']],
    ['\ufeffid\nx\ufeff', ['id', 'x\ufeff']],
  ])('%j → %j at every read size', async (content, expected) => {
    for (const chunkBytes of CHUNKS) expect(await lines(content, { chunkBytes })).toEqual(expected);
  });

  it('a byte order mark is not part of the first line: its offset is 3', async () => {
    const file = datasetFile('bom.txt', '\ufeffa\nb');
    const w = await FileWindow.open(file, { chunkBytes: 2 });
    const offsets: number[][] = [];
    await eachLine(
      w,
      (_, line, offset, bytes) => offsets.push([line, offset, bytes]),
      () => expect.unreachable(),
    );
    await w.close();
    expect(offsets).toEqual([
      [1, 3, 1],
      [2, 5, 1],
    ]);
  });

  it('multi-byte characters split across reads come out whole', async () => {
    const content = '€😀\né中\r\nß\u2028x\n';
    for (let chunkBytes = 1; chunkBytes <= 8; chunkBytes++)
      expect(await lines(content, { chunkBytes })).toEqual(['€😀', 'é中', 'ß\u2028x']);
  });

  it('a long line read in small chunks comes out whole', async () => {
    const long = 'é'.repeat(50_000);
    expect(await lines(`a\n${long}\r\nb`, { chunkBytes: 7 })).toEqual(['a', long, 'b']);
  });

  it('seeded random text agrees with the reference splitter at every read size from 1 to 9', async () => {
    const r = rng(1234);
    const PIECES = ['a', 'bc', ' ', '\n', '\n', '\r\n', '\r', 'é', '€', '😀', '{"k":1}'];
    for (let run = 0; run < 40; run++) {
      const content = Array.from({ length: int(r, 30) }, () => pick(r, PIECES)).join('');
      for (let chunkBytes = 1; chunkBytes <= 9; chunkBytes++)
        expect(await lines(content, { chunkBytes }), JSON.stringify(content)).toEqual(reference(content));
    }
  });
});

describe('the record limit', () => {
  it('refuses a line arriving whole within one read when it is over the limit', async () => {
    const content = `${'a'.repeat(20)}\nb\n`;
    for (const chunkBytes of [4, 64])
      await expect(lines(content, { chunkBytes, maxRecordBytes: 16 })).rejects.toEqual(new TooLarge(1));
  });

  it('holds exactly, at every read size: a line of `max` bytes passes, one more byte is refused', async () => {
    const MAX = 8;
    const r = rng(5);
    for (let run = 0; run < 60; run++) {
      // Lines of MAX - 1 to MAX + 1 bytes (é is two), ending in LF or CRLF, the last maybe in neither.
      const texts = Array.from({ length: 1 + int(r, 4) }, () => {
        const bytes = MAX - 1 + int(r, 3);
        return r() < 0.3 ? 'é' + 'x'.repeat(bytes - 2) : 'x'.repeat(bytes);
      });
      const content = texts.map((t) => t + pick(r, ['\n', '\r\n'])).join('') + pick(r, ['', 'x', 'x\r']);
      const expected = reference(content);
      const over = expected.findIndex((t) => Buffer.byteLength(t) > MAX);
      for (let chunkBytes = 1; chunkBytes <= MAX + 4; chunkBytes++) {
        const result = lines(content, { chunkBytes, maxRecordBytes: MAX });
        if (over === -1) await expect(result).resolves.toEqual(expected);
        else await expect(result, JSON.stringify([content, chunkBytes])).rejects.toEqual(new TooLarge(over + 1));
      }
    }
  });
});
