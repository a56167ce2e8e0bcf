import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { indexDataset } from '../../../src/workload/dataset/index.js';
import { jsonLines, load } from './helpers.js';

describe('jsonl', () => {
  it('reads prompts and chat messages, text parts joined, developer as system, other keys ignored', async () => {
    const { index, records } = await load(
      'mixed.jsonl',
      jsonLines([
        { prompt: 'Say hi', output_tokens: 12, category: 'greeting' },
        {
          messages: [
            { role: 'developer', content: 'Be brief.' },
            {
              role: 'user',
              content: [
                { type: 'text', text: 'one' },
                { type: 'text', text: 'two' },
              ],
            },
            { role: 'assistant', content: 'ok' },
            { role: 'user', content: 'and?' },
          ],
        },
      ]).replace('\n', '\n\n  \n'), // blank lines are skipped and keep their numbers
    );
    expect(index).toMatchObject({ format: 'jsonl', detected: true, records: 2, skipped: [] });
    expect(index.timestamps).toBeUndefined();
    expect(records).toEqual([
      { line: 1, kind: 'text', prompt: 'Say hi', outputTokens: 12 },
      {
        line: 4,
        kind: 'messages',
        messages: [
          { role: 'system', text: 'Be brief.' },
          { role: 'user', text: 'one\ntwo' },
          { role: 'assistant', text: 'ok' },
          { role: 'user', text: 'and?' },
        ],
      },
    ]);
  });

  it('makes timestamps relative to the first record', async () => {
    const { index, records } = await load(
      'timed.jsonl',
      jsonLines([
        { prompt: 'a', timestamp: 1000 },
        { prompt: 'b', timestamp: 1000 },
        { prompt: 'c', timestamp: 1250.5 },
      ]),
    );
    expect([...index.timestamps!]).toEqual([0, 0, 250.5]);
    expect(records.map((r) => r.timestampMs)).toEqual([0, 0, 250.5]);
  });

  it('reads CRLF line ends and a byte order mark', async () => {
    const { records } = await load('crlf.jsonl', '\uFEFF{"prompt":"a"}\r\n{"prompt":"b"}\r\n', 'jsonl');
    expect(records.map((r) => (r.kind === 'text' ? r.prompt : ''))).toEqual(['a', 'b']);
  });
});

describe('sharegpt', () => {
  const conversations = [
    {
      id: 'a',
      conversations: [
        { from: 'human', value: 'Hi {"x": [1]}' },
        { from: 'gpt', value: 'Hello' },
      ],
    },
    { id: 'b', conversations: [] },
    { id: 'c', conversations: [{ from: 'gpt', value: 'I speak first' }] },
    {
      id: 'd',
      conversations: [
        { from: 'system', value: 'S' },
        { from: 'user', value: 'Q' },
        { from: 'bard', value: 'A' },
        { from: 'Human', value: 'Q2' },
        { from: 'chatgpt', value: 'A2' },
        { from: 'model', value: 'A3' },
        { from: 'bing', value: 'A4' },
      ],
    },
    {
      id: 'e',
      conversations: [
        { from: 'human', value: '  ' },
        { from: 'gpt', value: 'nothing asked' },
      ],
    },
  ];

  it.each([
    ['on one line', JSON.stringify(conversations), [1, 1]],
    ['pretty-printed', JSON.stringify(conversations, null, 2), [2, 28]],
  ])(
    '%s: conversations become messages, empty ones and ones without a human turn are counted',
    async (_, text, lines) => {
      const { index, records } = await load('chats.json', text);
      expect(index).toMatchObject({ format: 'sharegpt', detected: true, records: 2 });
      expect(index.skipped).toEqual([
        { count: 1, reason: 'empty conversations' },
        { count: 2, reason: 'conversations without a human turn' },
      ]);
      expect(records).toEqual([
        {
          line: lines[0],
          kind: 'messages',
          messages: [
            { role: 'user', text: 'Hi {"x": [1]}' },
            { role: 'assistant', text: 'Hello' },
          ],
        },
        {
          line: lines[1],
          kind: 'messages',
          messages: [
            { role: 'system', text: 'S' },
            { role: 'user', text: 'Q' },
            { role: 'assistant', text: 'A' },
            { role: 'user', text: 'Q2' },
            { role: 'assistant', text: 'A2' },
            { role: 'assistant', text: 'A3' },
            { role: 'assistant', text: 'A4' },
          ],
        },
      ]);
    },
  );
});

describe('mooncake', () => {
  it('reads lengths, hash ids and times', async () => {
    const { index, records } = await load(
      'trace.jsonl',
      jsonLines([
        { timestamp: 27482, input_length: 6955, output_length: 52, hash_ids: [46, 47, 48] },
        { timestamp: 30535, input_length: 6472, output_length: 26 },
      ]),
    );
    expect(index).toMatchObject({ format: 'mooncake', detected: true, records: 2 });
    expect(records).toEqual([
      { line: 1, kind: 'length', inputTokens: 6955, outputTokens: 52, hashIds: [46, 47, 48], timestampMs: 0 },
      { line: 2, kind: 'length', inputTokens: 6472, outputTokens: 26, timestampMs: 3053 },
    ]);
  });
});

describe('azure-csv', () => {
  it('keeps the µs of the timestamps and skips rows with 0 tokens', async () => {
    const { index, records } = await load(
      'azure.csv',
      [
        'TIMESTAMP,ContextTokens,GeneratedTokens',
        '2023-11-16 18:15:46.6805900,4808,10',
        '2023-11-16 18:15:50.9951690,3180,0',
        '2023-11-16 18:15:50.9951699,0,8',
        '2023-11-16 18:15:50.9951700,3180,8',
        '2023-11-16 18:16:00,110,1',
      ].join('\n'),
    );
    expect(index).toMatchObject({ format: 'azure-csv', detected: true, records: 3 });
    expect(index.skipped).toEqual([
      { count: 1, reason: 'rows with 0 GeneratedTokens' },
      { count: 1, reason: 'rows with 0 ContextTokens' },
    ]);
    expect(records).toEqual([
      { line: 2, kind: 'length', inputTokens: 4808, outputTokens: 10, timestampMs: 0 },
      { line: 5, kind: 'length', inputTokens: 3180, outputTokens: 8, timestampMs: 4314.58 },
      { line: 6, kind: 'length', inputTokens: 110, outputTokens: 1, timestampMs: 13319.41 },
    ]);
  });

  it('reads the 2024 traces (time zone suffix) and columns in any order', async () => {
    const { records } = await load(
      'azure-2024.csv',
      [
        'GeneratedTokens,TIMESTAMP,ContextTokens',
        '5,2024-05-10 00:00:00.009930+00:00,100',
        '6,2024-05-10 02:00:00.010930+02:00,200',
      ].join('\n'),
      'azure-csv',
    );
    expect(records.map((r) => [r.timestampMs, r.kind === 'length' && r.inputTokens, r.outputTokens])).toEqual([
      [0, 100, 5],
      [1, 200, 6],
    ]);
  });
});

describe('burstgpt-csv', () => {
  it('reads seconds as ms after the first usable row and skips failed requests', async () => {
    const { index, records } = await load(
      'burst.csv',
      [
        'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type',
        '5,ChatGPT,472,0,472,Conversation log',
        '5.25,"GPT-4",1320,18,1338,"Conversation, with ""quotes"""',
        '7,ChatGPT,0,18,18,API log',
        '9.1234567,ChatGPT,100,20,120,API log',
      ].join('\n'),
    );
    expect(index).toMatchObject({ format: 'burstgpt-csv', records: 2 });
    expect(index.skipped).toEqual([
      { count: 1, reason: 'rows with 0 Response tokens (failed requests)' },
      { count: 1, reason: 'rows with 0 Request tokens' },
    ]);
    expect(records).toEqual([
      { line: 3, kind: 'length', inputTokens: 1320, outputTokens: 18, timestampMs: 0 },
      { line: 5, kind: 'length', inputTokens: 100, outputTokens: 20, timestampMs: 3873.4567 },
    ]);
  });
});

describe('the example datasets in scenarios/data', () => {
  const DATA = path.join(import.meta.dirname, '..', '..', '..', 'scenarios', 'data');

  it.each([
    ['prompts.jsonl', 'jsonl', 200],
    ['chat.jsonl', 'jsonl', 100],
    ['sharegpt.json', 'sharegpt', 94],
    ['mooncake.jsonl', 'mooncake', 988],
    ['azure-code.csv', 'azure-csv', 997],
    ['burstgpt.csv', 'burstgpt-csv', 979],
  ])('%s is detected as %s with %i usable records', async (file, format, records) => {
    const index = await indexDataset(path.join(DATA, file));
    expect(index).toMatchObject({ format, records });
    if (index.timestamps !== undefined) expect(index.timestamps.at(-1)).toBeGreaterThan(55_000);
  });
});
