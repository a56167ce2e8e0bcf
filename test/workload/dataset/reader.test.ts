import { appendFileSync, utimesSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { ScenarioError } from '../../../src/shared/input-error.js';
import { DatasetReader, indexDataset } from '../../../src/workload/dataset/index.js';
import { datasetFile, jsonLines, load } from './helpers.js';

const ROWS = Array.from({ length: 200 }, (_, k) => ({
  timestamp: k * 10,
  input_length: k + 1,
  output_length: 2 * k + 1,
  hash_ids: [k % 7, k],
}));
/** Skipped rows and blank lines between the records, so that record indexes are not line numbers. */
const AZURE = [
  'TIMESTAMP,ContextTokens,GeneratedTokens',
  ...Array.from(
    { length: 300 },
    (_, k) =>
      `2024-01-01 00:00:${String(Math.floor(k / 10)).padStart(2, '0')}.${k % 10}000000,${k % 3 === 0 ? 0 : k},${k + 1}${k % 50 === 0 ? '\n' : ''}`,
  ),
].join('\n');
const SHAREGPT = JSON.stringify(
  Array.from({ length: 60 }, (_, k) => ({
    id: String(k),
    conversations:
      k % 9 === 4
        ? []
        : [
            { from: 'human', value: `question ${k} {[é]}` },
            { from: 'gpt', value: `answer ${k}` },
          ],
  })),
  null,
  1,
);

/** A deterministic shuffle (LCG) of 0..n-1. */
function scattered(n: number, count: number): number[] {
  let s = 12345;
  return Array.from({ length: count }, () => (s = (s * 1103515245 + 12345) % 2 ** 31) % n);
}

describe('DatasetReader', () => {
  it.each([
    ['trace.jsonl', jsonLines(ROWS)],
    ['azure.csv', AZURE],
    ['chats.json', SHAREGPT],
  ])(
    '%s: sequential, scattered and repeated indexes give the records read in order, in the order asked',
    async (name, text) => {
      const { index, records } = await load(name, text);
      expect(index.records).toBe(name === 'trace.jsonl' ? 200 : name === 'azure.csv' ? 200 : 53);
      const reader = new DatasetReader(index);
      try {
        for (const indexes of [scattered(index.records, 40), [5, 4, 3, 2, 1], [0, 0, index.records - 1, 0], [7]]) {
          expect(await reader.read(indexes)).toEqual(indexes.map((i) => records[i]));
        }
        expect(await reader.read([])).toEqual([]);
        // One at a time, each read alone, is what the bulk read gave.
        for (let i = 0; i < index.records; i += 13) expect(await reader.read([i])).toEqual([records[i]]);
      } finally {
        await reader.close();
      }
    },
  );

  it('the records carry their lines and the index times', async () => {
    const { index, records } = await load('azure.csv', AZURE);
    expect(records.slice(0, 3).map((r) => [r.line, r.timestampMs])).toEqual([
      [4, 0],
      [5, 100],
      [7, 300],
    ]);
    expect(records.map((r) => r.timestampMs)).toEqual([...index.timestamps!]);
  });

  it('rejects indexes outside the records', async () => {
    const { index } = await load('trace.jsonl', jsonLines(ROWS));
    const reader = new DatasetReader(index);
    await expect(reader.read([200])).rejects.toThrow(RangeError);
    await expect(reader.read([-1])).rejects.toThrow(RangeError);
    await expect(reader.read([1.5])).rejects.toThrow(RangeError);
    await reader.close();
  });

  it('refuses a file that changed after it was indexed', async () => {
    const file = datasetFile('changing.jsonl', jsonLines(ROWS));
    const index = await indexDataset(file);
    appendFileSync(file, jsonLines([ROWS[0]]));
    const reader = new DatasetReader(index);
    const error = await reader.read([0]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).message).toBe(`${file}: the file changed after it was indexed; run again`);
    await reader.close();

    // Same size and time, other bytes: the record no longer decodes as it was indexed.
    const same = datasetFile('same.jsonl', jsonLines(ROWS));
    utimesSync(same, 1_700_000_000, 1_700_000_000);
    const sameIndex = await indexDataset(same);
    datasetFile('same.jsonl', jsonLines(ROWS).replace('"input_length":1,', '"input_length":0,'));
    utimesSync(same, 1_700_000_000, 1_700_000_000);
    const sameReader = new DatasetReader(sameIndex);
    expect(((await sameReader.read([0]).catch((err: unknown) => err)) as ScenarioError).message).toBe(
      `${same}:1:1 the record is not what was indexed: the file changed after it was indexed`,
    );
    await sameReader.close();
  });
});
