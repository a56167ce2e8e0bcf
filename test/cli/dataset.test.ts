import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { RequestLine } from '../../src/result/requests/line.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { assertBuilt, explain, runCli, runScenarioText, STACK_FRAME, tempDir } from './helpers.js';

/** Datasets through the CLI: a bad one stops the run before anything is sent; a good one shapes what is. */
const { dir, cleanup } = tempDir();
beforeAll(assertBuilt);
afterAll(cleanup);

let server: RunningServer;
beforeEach(async () => {
  server = await startServer({ ttftMs: 2, tps: 50_000, outputTokens: 20, stamp: true });
});
afterEach(() => server.close());

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const ONE_VARIANT = '  - { name: http, protocol: openai-chat, connection: http-keepalive }';

function scenarioText(
  name: string,
  dataset: string,
  load = 'kind: closed, concurrency: 1, requests: 6',
  variants = ONE_VARIANT,
): string {
  return `name: ${name}
target: ${server.url}
dataset: ${dataset}
variants:
${variants}
load: { ${load} }
`;
}

const scenario = (name: string, dataset: string, load?: string): string =>
  write(`${name}.yaml`, scenarioText(name, dataset, load));

describe('a dataset that cannot be used stops the run before anything is sent (exit 2)', () => {
  const cases: [string, () => string, RegExp][] = [
    [
      'a bad line names file:line and the field',
      () =>
        scenario(
          'bad-line',
          `{ path: ${write('bad.jsonl', '{"prompt":"hi"}\n{"prompt":"there","output_tokens":"ten"}\n')} }`,
        ),
      /bad\.jsonl:2:\d+ output_tokens: expected an integer >= 1, got "ten"/,
    ],
    [
      'a missing file names the path',
      () => scenario('missing', `{ path: ${path.join(dir, 'nowhere.jsonl')} }`),
      /nowhere\.jsonl.*cannot read the dataset/,
    ],
    [
      'a format it cannot tell asks for dataset.format',
      () => scenario('unknown', `{ path: ${write('data.txt', 'hello\n')} }`),
      /data\.txt.*dataset\.format/,
    ],
    [
      'an unknown format is the scenario’s error at its line',
      () => scenario('bad-format', `{ path: x.jsonl, format: parquet }`),
      /bad-format\.yaml:3:\d+ dataset\.format: expected one of jsonl \| sharegpt \| mooncake \| azure-csv \| burstgpt-csv, got "parquet"/,
    ],
    [
      'a trace of records without timestamps',
      () => scenario('no-times', `{ path: ${write('plain.jsonl', '{"prompt":"a"}\n')} }`, 'kind: trace'),
      /dataset: a trace needs a timestamp on every record; jsonl records have none/,
    ],
  ];

  it.each(cases)('%s', async (_what, make, message) => {
    const file = make();
    const out = path.join(dir, `out-${path.basename(file, '.yaml')}`);
    for (const cmd of [
      ['run', file, '--out', out],
      ['validate', file],
    ]) {
      const o = await runCli(cmd);
      expect(o.code, explain(o)).toBe(2);
      expect(o.stderr).toMatch(message);
      expect(o.stderr).not.toMatch(STACK_FRAME);
    }
    expect(existsSync(out)).toBe(false);
    expect(server.stats().httpRequests).toBe(0);
  });
});

describe('a good dataset', () => {
  it('chat records keep their system prompt (Anthropic: apart), ask for their own output length, exactly with exact_output', async () => {
    const records = [
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'One?' },
        ],
        output_tokens: 30,
      },
      {
        messages: [
          { role: 'user', content: 'Two?' },
          { role: 'assistant', content: 'Yes.' },
          { role: 'user', content: 'Three?' },
        ],
        output_tokens: 40,
      },
    ];
    const data = write('chat.jsonl', records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const variants = `  - { name: chat, protocol: openai-chat, connection: http-keepalive }
  - { name: exact, protocol: openai-chat, connection: http-keepalive, exact_output: [ignore_eos, min_tokens] }
  - { name: anthropic, protocol: anthropic-messages, connection: http-keepalive }`;
    const yaml = scenarioText('chat', `{ path: ${data}, isolate: false }`, undefined, variants);
    const { result, lines } = await runScenarioText<RequestLine>(dir, 'chat', yaml);
    const byVariant = (v: string) => lines.filter((l) => l.variant === v);
    for (const v of ['chat', 'exact', 'anthropic']) {
      expect(byVariant(v).map((l) => l.record)).toEqual([1, 2, 1, 2, 1, 2]);
      expect(byVariant(v).map((l) => l.max_output_tokens)).toEqual([30, 40, 30, 40, 30, 40]);
      // Every message's text reached the server, the system prompt too (Anthropic's top-level system).
      expect(byVariant(v).map((l) => l.input_tokens)).toEqual(byVariant('chat').map((l) => l.input_tokens));
    }
    // The server stops at 20 tokens unless asked for exactly the length (vLLM's ignore_eos, min_tokens).
    expect(byVariant('chat').every((l) => l.output_tokens === 20)).toBe(true);
    expect(byVariant('exact').map((l) => l.output_tokens)).toEqual([30, 40, 30, 40, 30, 40]);
    const short = Object.fromEntries(
      result.variants.map((v: { name: string; output_lengths: unknown }) => [v.name, v.output_lengths]),
    );
    expect(short.chat).toEqual({ requests: 6, short: 6, requested_tokens: 210, received_tokens: 120 });
    expect(short.exact).toEqual({ requests: 6, short: 0, requested_tokens: 210, received_tokens: 210 });
    expect(
      result.warnings.some((w: string) => w.startsWith('chat: 6 of 6 requests (100%) ended before max_output_tokens')),
    ).toBe(true);
    expect(result.warnings.filter((w: string) => w.startsWith('exact:') && w.includes('max_output_tokens'))).toEqual(
      [],
    );
  });
});
