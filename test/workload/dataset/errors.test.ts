import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { ScenarioError } from '../../../src/shared/input-error.js';
import { indexDataset } from '../../../src/workload/dataset/index.js';
import { failure, jsonLines, tempPath } from './helpers.js';

const PROMPT = { prompt: 'hi' };
/** `rows` after `before` good records: the first of `rows` is on line before + 1. */
const after = (before: number, ...rows: unknown[]): string =>
  jsonLines([...Array<unknown>(before).fill(PROMPT), ...rows]);

describe('jsonl errors name file:line and the field', () => {
  it.each([
    [
      after(16, { prompt: 'x', output_tokens: 'ten' }),
      'data.jsonl:17:1 output_tokens: expected an integer >= 1, got "ten"',
    ],
    [after(2, { prompt: 'x', output_tokens: 0 }), 'data.jsonl:3:1 output_tokens: expected an integer >= 1, got 0'],
    [after(1, { prompt: 'x', timestamp: -1 }), 'data.jsonl:2:1 timestamp: expected a number >= 0 (ms), got -1'],
    [
      after(1, { prompt: 'x', wirebench: { gaps_ms: [0, -5] } }),
      'data.jsonl:2:1 wirebench.gaps_ms: expected a list of pauses in ms (numbers >= 0), got a list',
    ],
    [after(1, [1, 2]), 'data.jsonl:2:1 expected a JSON object ({ "prompt": … } or { "messages": […] }), got a list'],
    [
      after(1, { text: 'x' }),
      'data.jsonl:2:1 required field is missing; expected prompt (a non-empty string) or messages (a list of chat messages)',
    ],
    [after(1, { prompt: '' }), 'data.jsonl:2:1 prompt: expected a non-empty string, got ""'],
    [after(1, { prompt: 'a', messages: [] }), 'data.jsonl:2:1 messages: expected prompt or messages, not both'],
    [
      after(1, { messages: [] }),
      'data.jsonl:2:1 messages: expected a non-empty list of chat messages ({ role, content }), got a list',
    ],
    [
      after(1, { messages: [{ role: 'tool', content: 'x' }] }),
      'data.jsonl:2:1 messages[0].role: expected one of system | developer | user | assistant, got "tool"',
    ],
    [
      after(1, { messages: [{ role: 'user' }] }),
      'data.jsonl:2:1 messages[0].content: required field is missing; expected a string or a list of text parts ([{ "type": "text", "text": … }])',
    ],
    [
      after(1, { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }),
      'data.jsonl:2:1 messages[0].content[0].type: expected "text" (only text is sent), got "image_url"',
    ],
    [
      after(1, { messages: [{ role: 'system', content: 'x' }] }),
      'data.jsonl:2:1 messages: expected at least one message with role "user", got none',
    ],
    ['{"prompt":"a"}\n{"prompt": "b",}\n', /^data\.jsonl:2:16 invalid JSON: .* position 15/],
    ['{"prompt":"a"}\n{"prompt": nope}\n', /^data\.jsonl:2:1 invalid JSON: Unexpected token/],
  ])('%#', async (text, message) => {
    const { text: got } = await failure('data.jsonl', text, 'jsonl');
    expect(got).toMatch(message);
  });

  it('times on some records only', async () => {
    expect((await failure('t.jsonl', jsonLines([{ prompt: 'a', timestamp: 5 }, PROMPT]))).text).toBe(
      't.jsonl:2:1 timestamp: required field is missing; expected a number >= 0 (ms), as the first record has one',
    );
    expect((await failure('t.jsonl', jsonLines([PROMPT, { prompt: 'a', timestamp: 5 }]))).text).toBe(
      't.jsonl:2:1 timestamp: the first record has none: give every record a time, or none',
    );
  });

  it('reports every problem of a line, and the first ten problems of a file', async () => {
    const { error } = await failure(
      'many.jsonl',
      jsonLines(Array<unknown>(50).fill({ prompt: 3, output_tokens: 1.5 })),
    );
    expect(error.issues).toHaveLength(11);
    expect(error.issues.slice(0, 2).map((i) => [i.line, i.path])).toEqual([
      [1, 'output_tokens'],
      [1, 'prompt'],
    ]);
    expect(error.issues[9].line).toBe(5);
    expect(error.issues[10].message).toBe('stopped after the first 10 problems');
    const ten = (await failure('ten.jsonl', jsonLines(Array<unknown>(5).fill({ prompt: 3, output_tokens: 1.5 }))))
      .error;
    expect(ten.issues).toHaveLength(10);
  });
});

describe('time order', () => {
  it.each([
    [
      'trace.jsonl',
      jsonLines([10, 20, 15].map((timestamp) => ({ timestamp, input_length: 1, output_length: 1 }))),
      'trace.jsonl:3:1 timestamp: earlier than the record before it (line 2): 5 ms vs 10 ms after the first record',
    ],
    [
      't.csv',
      'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,1,1\n2023-11-16 18:15:46.6805899,1,1\n',
      't.csv:3:1 TIMESTAMP: earlier than the record before it (line 2): -0.0001 ms vs 0 ms',
    ],
    [
      'b.csv',
      'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n7,ChatGPT,1,1,2,x\n6.5,ChatGPT,1,1,2,x\n',
      'b.csv:3:1 Timestamp: earlier than the record before it (line 2): -500 ms vs 0 ms',
    ],
  ])('%s: a record earlier than the one before is an error at its line', async (name, text, message) => {
    expect((await failure(name, text)).text).toContain(message);
  });
});

describe('sharegpt errors', () => {
  const good = { id: 'x', conversations: [{ from: 'human', value: 'q' }] };

  it.each([
    [
      [
        good,
        good,
        good,
        {
          id: 'r',
          conversations: [
            { from: 'human', value: 'q' },
            { from: 'gpt', value: 'a' },
            { from: 'robot', value: 'b' },
          ],
        },
      ],
      'sharegpt.json:1:1 [3].conversations[2].from: expected human | gpt | system (or user, chatgpt, assistant, bard, bing, model), got "robot"',
    ],
    [
      [good, 'text'],
      'sharegpt.json:1:1 [1]: expected a conversation ({ "id": …, "conversations": [{ "from", "value" }, …] }), got "text"',
    ],
    [[good, null], 'sharegpt.json:1:1 [1]: expected a conversation'],
    [
      [{ id: 'x', items: [] }],
      'sharegpt.json:1:1 [0].conversations: required field is missing; expected a list of turns',
    ],
    [
      [{ id: 'x', conversations: [{ from: 'human', value: 3 }] }],
      'sharegpt.json:1:1 [0].conversations[0].value: expected a string, got 3',
    ],
    [
      [{ id: 'x', conversations: ['hi'] }],
      'sharegpt.json:1:1 [0].conversations[0]: expected a turn ({ "from", "value" }), got "hi"',
    ],
  ])('%#', async (value, message) => {
    expect((await failure('sharegpt.json', JSON.stringify(value))).text).toContain(message);
  });

  it('places a pretty-printed element at its line, and a syntax error inside it at its own line and column', async () => {
    const text = `[\n  {"id": "a", "conversations": []},\n  {"id": "b",\n   "conversations": [\n     {"from": "human" "value": "q"}]}\n]\n`;
    expect((await failure('pretty.json', text)).text).toMatch(
      /^pretty\.json:5:23 \[1\]: invalid JSON: Expected ',' or '}' after property value in JSON at position \d+$/,
    );
    const robot = JSON.stringify([good, { id: 'b', conversations: [{ from: 'robot', value: 'q' }] }], null, 2);
    expect((await failure('pretty.json', robot)).text).toMatch(/^pretty\.json:11:1 \[1\]\.conversations\[0\]\.from: /);
  });

  it.each([1, 5, 1 << 20])(
    'counts the raw line breaks of a broken string (read %i bytes at a time)',
    async (chunkBytes) => {
      const text =
        '[{"id": "a\nb", "conversations": []},\n {"id": "c\n\nd"},\n {"conversations": [{"from": "robot", "value": ""}]}]';
      const { error } = await failure('bad.json', text, undefined, { chunkBytes });
      expect(error.issues.map((i) => [i.line, i.path, i.message.slice(0, 30)])).toEqual([
        [1, '[0]', 'invalid JSON: Bad control char'],
        [3, '[1]', 'invalid JSON: Bad control char'],
        [6, '[2].conversations[0].from', 'expected human | gpt | system '],
      ]);
    },
  );

  it.each([
    [
      '{"id": 1}\n{"id": 2}\n',
      'bad.json:1:1 expected a JSON array of conversations ([{ "id": …, "conversations": […] }, …]), got "{"; a file of one JSON object per line is `jsonl`',
    ],
    ['[{"id": 1},]', 'bad.json:1:1 invalid JSON: "]" after ","'],
    ['[{"id": 1} {"id": 2}]', 'bad.json:1:1 invalid JSON: expected "," or "]" after element [0], got "{"'],
    ['[{"id": 1}]\n]', 'bad.json:2:1 invalid JSON: "]" after the array\'s closing "]"'],
    ['[\n{"id": "1}]\n', 'bad.json:3:1 invalid JSON: the file ends inside element [0], which starts at line 2'],
    ['[{"id": 1},\n', 'bad.json:2:1 invalid JSON: the file ends before the array\'s closing "]"'],
    ['[1, {"id": 1}]', 'bad.json:1:1 [0]: expected a conversation'],
  ])('a broken array: %j', async (text, message) => {
    expect((await failure('bad.json', text)).text).toContain(message);
  });
});

describe('mooncake errors', () => {
  const ok = { timestamp: 0, input_length: 10, output_length: 5, hash_ids: [1, 2] };
  it.each([
    [{ ...ok, timestamp: 1.5 }, 'timestamp: expected an integer >= 0 (ms), got 1.5'],
    [{ ...ok, input_length: 0 }, 'input_length: expected an integer >= 1, got 0'],
    [
      { timestamp: 3, input_length: 1, hash_ids: [] },
      'output_length: required field is missing; expected an integer >= 1',
    ],
    [{ ...ok, hash_ids: [1, -2, 'x'] }, 'hash_ids[1]: expected an integer >= 0, got -2'],
    [{ ...ok, hash_ids: 'abc' }, 'hash_ids: expected a list of integers >= 0, got "abc"'],
  ])('%j', async (row, message) => {
    expect((await failure('trace.jsonl', jsonLines([ok, row]))).text).toBe(`trace.jsonl:2:1 ${message}`);
  });
});

describe('csv errors', () => {
  const AZURE = 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,4808,10\n';
  it.each([
    [`${AZURE}2023-11-16 18:15:47,12,ten\n`, 'azure.csv:3:24 GeneratedTokens: expected an integer >= 0, got "ten"'],
    [
      `${AZURE}2023-11-16T25:15:47,12,1\n`,
      'azure.csv:3:1 TIMESTAMP: expected a date and time like 2023-11-16 18:15:46.6805900, got "2023-11-16T25:15:47"',
    ],
    [`${AZURE}16/11/2023 18:15,12,1\n`, 'azure.csv:3:1 TIMESTAMP: expected a date and time'],
    [`${AZURE}2023-11-16 18:15:47,12\n`, 'azure.csv:3:1 expected 3 fields as in the header, got 2'],
    [`${AZURE}"2023-11-16 18:15:47,12,1\n`, 'azure.csv:3:1 invalid CSV: a quoted field is not closed on its line'],
    [`${AZURE}"2023-11-16 18:15:47"x,12,1\n`, 'azure.csv:3:22 invalid CSV: expected "," after a quoted field, got "x"'],
    ['Time,Tokens\n1,2\n', 'azure.csv:1:1 cannot tell the trace from its header'],
  ])('%j', async (text, message) => {
    expect((await failure('azure.csv', text)).text).toContain(message);
  });

  it('a header without the columns of the format given', async () => {
    expect((await failure('b.csv', 'Timestamp,Model,Request tokens\n', 'azure-csv')).text).toBe(
      'b.csv:1:1 expected a header naming TIMESTAMP, ContextTokens, GeneratedTokens, got "Timestamp,Model,Request tokens"',
    );
  });
});

describe('files', () => {
  it('a missing file or a folder names the path and the reason', async () => {
    const missing = path.join(os.tmpdir(), 'wirebench-no-such-dataset.jsonl');
    const error = await indexDataset(missing).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).message).toBe(
      `${missing}: cannot read the dataset (ENOENT: no such file or directory, open '${missing}')`,
    );
    const folder = tempPath('folder.jsonl');
    mkdirSync(folder);
    expect(((await indexDataset(folder).catch((err: unknown) => err)) as ScenarioError).message).toContain(
      'cannot read the dataset (EISDIR',
    );
  });

  it.each([
    ['empty.jsonl', '', 'empty.jsonl: no usable records'],
    ['blank.jsonl', '\n  \n\n', 'blank.jsonl: no usable records'],
    ['empty.json', '[]', 'empty.json: no usable records'],
    ['header.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n', 'header.csv: no usable records'],
    [
      'skipped.json',
      '[{"conversations": []}, {"conversations": [{"from": "gpt", "value": "a"}]}]',
      'skipped.json: no usable records (skipped: 1 empty conversations, 1 conversations without a human turn)',
    ],
  ])('%s: a file without usable records', async (name, text, message) => {
    expect((await failure(name, text)).text).toBe(message);
  });

  it('an unknown extension asks for dataset.format', async () => {
    expect((await failure('data.txt', '{"prompt": "a"}\n')).text).toBe(
      "data.txt: cannot tell the dataset's format from its name; set dataset.format to one of jsonl | sharegpt | mooncake | azure-csv | burstgpt-csv",
    );
  });

  it('a record over the size limit is an error, not an unbounded buffer', async () => {
    const long = { prompt: 'x'.repeat(500) };
    expect(
      (await failure('big.jsonl', jsonLines([PROMPT, long]), undefined, { chunkBytes: 16, maxRecordBytes: 256 })).text,
    ).toBe('big.jsonl:2:1 the line is larger than 256 bytes: a record this large is not a request');
    const conversation = { conversations: [{ from: 'human', value: 'x'.repeat(500) }] };
    expect(
      (await failure('big.json', JSON.stringify([conversation]), undefined, { chunkBytes: 16, maxRecordBytes: 256 }))
        .text,
    ).toBe('big.json:1:1 element [0] is larger than 256 bytes: a record this large is not a request');
  });
});
