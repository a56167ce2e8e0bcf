/**
 * Records cut across reads: with read chunks of a few bytes, every record, string escape and multi-byte
 * UTF-8 sequence straddles a read boundary somewhere, and the records must still come out whole.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { DatasetFormat, DatasetRecord } from '../../../src/workload/types.js';
import { jsonLines, load } from './helpers.js';

/** Text that trips a naive splitter: brackets, braces, quotes, backslashes, line breaks, 2–4-byte UTF-8. */
const TRICKY = [
  '{',
  '}',
  '[',
  ']',
  '"',
  '\\',
  '\\"',
  '"}]',
  ',',
  '\n',
  '\r\n',
  'é',
  'ß',
  '€',
  '中文',
  '😀',
  '\u2028',
  ' ',
  'text',
];
const tricky = fc.array(fc.constantFrom(...TRICKY), { minLength: 1, maxLength: 12 }).map((parts) => parts.join(''));
const prompt = tricky.filter((s) => s.trim() !== '');

const PARAMS = { seed: 20240611, numRuns: 60 };
const texts = (records: DatasetRecord[]): string[][] =>
  records.map((r) => (r.kind === 'messages' ? r.messages.map((m) => m.text) : r.kind === 'text' ? [r.prompt] : []));

describe('records straddling reads', () => {
  it.each([1, 2, 3, 5, 7, 64])('ShareGPT, one line and pretty-printed, read %i bytes at a time', async (chunkBytes) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(prompt, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (conversations, pretty) => {
          const value = conversations.map((turns, k) => ({
            id: `c${k}`,
            conversations: turns.map((t, j) => ({ from: j % 2 === 0 ? 'human' : 'gpt', value: t })),
          }));
          const text = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
          const { index, records } = await load('tricky.json', text, undefined, { chunkBytes });
          expect(index.records).toBe(conversations.length);
          expect(texts(records)).toEqual(conversations);
          // Lines count the line breaks of the text before each element, escaped ones not being breaks.
          const firstLines = value.map(
            (_, k) =>
              text.slice(0, text.indexOf(`"id":${pretty ? ' ' : ''}"c${k}"`)).split('\n').length - (pretty ? 1 : 0),
          );
          expect(records.map((r) => r.line)).toEqual(firstLines);
        },
      ),
      PARAMS,
    );
  });

  it.each([1, 2, 3, 7, 64])('JSONL read %i bytes at a time', async (chunkBytes) => {
    await fc.assert(
      fc.asyncProperty(fc.array(prompt, { minLength: 1, maxLength: 10 }), async (prompts) => {
        const { records } = await load('tricky.jsonl', jsonLines(prompts.map((p) => ({ prompt: p }))), 'jsonl', {
          chunkBytes,
        });
        expect(texts(records)).toEqual(prompts.map((p) => [p]));
        expect(records.map((r) => r.line)).toEqual(prompts.map((_, k) => k + 1));
      }),
      PARAMS,
    );
  });

  it.each([1, 4])('CSV with quoted multi-byte fields, read %i bytes at a time', async (chunkBytes) => {
    const rows = ['Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type'];
    for (let k = 0; k < 20; k++)
      rows.push(`${k},"Modèle ""${'€'.repeat(k)}""",${k + 1},${k + 2},${2 * k + 3},"Log, 😀"`);
    const { records } = await load('tricky.csv', rows.join('\r\n'), undefined, { chunkBytes });
    expect(
      records.map((r) => (r.kind === 'length' ? [r.line, r.timestampMs, r.inputTokens, r.outputTokens] : [])),
    ).toEqual(Array.from({ length: 20 }, (_, k) => [k + 2, k * 1000, k + 1, k + 2]));
  });

  it.each<[DatasetFormat, string]>([
    ['mooncake', 'trace.jsonl'],
    ['jsonl', 'prompts.jsonl'],
  ])('%s: the same records whatever the chunk size', async (format, name) => {
    const rows = Array.from({ length: 50 }, (_, k) =>
      format === 'mooncake'
        ? { timestamp: k * 7, input_length: 100 + k, output_length: 1 + k, hash_ids: [k, k + 1] }
        : { prompt: `p${k}${'中'.repeat(k)}`, output_tokens: k + 1 },
    );
    const whole = await load(name, jsonLines(rows), format);
    for (const chunkBytes of [1, 3, 17])
      expect((await load(name, jsonLines(rows), format, { chunkBytes })).records).toEqual(whole.records);
  });
});
