import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { openDataset, requestBase, runSalt, serverOptions, trustedCa } from '../../src/run/run-inputs.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { ServerOptionsSchema } from '../../src/scenario/server-options.js';
import { DEFAULT_SERVER_OPTIONS } from '../../src/server/index.js';
import { ScenarioError } from '../../src/shared/input-error.js';
import { scenarioOf } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-run-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The scenario file lives in `<dir>/scenarios/`, its data beside it: paths resolve from there, not the cwd. */
const scenarioDir = path.join(dir, 'scenarios');
mkdirSync(path.join(scenarioDir, 'data'), { recursive: true });
const scenarioFile = path.join(scenarioDir, 'run.yaml');

const jsonLines = (rows: readonly unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

function withDataset(load: string, dataset: string): Scenario {
  return scenarioOf(
    `name: t
target: embedded
dataset: ${dataset}
variants:
  - { name: a, protocol: openai-responses, connection: ws-persistent }
load: ${load}
`,
    scenarioFile,
  );
}

/** The ScenarioError `p` rejects with. */
async function rejection(p: Promise<unknown>): Promise<ScenarioError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ScenarioError);
  return err as ScenarioError;
}

describe('serverOptions', () => {
  const s = scenarioOf(`name: t
target: embedded
server:
  ttft_ms: 7
  prefill_tps: 900
  prefix_cache: true
  prefix_cache_blocks: 12
  tps: 3000
  jitter: 0.25
  chunk_tokens: 3
  output_tokens: 17
  http_overhead_ms: 1.5
  ws_overhead_ms: 2.5
  ws_connect_overhead_ms: 3.5
  seed: 42
  stamp: false
  tls: true
  max_concurrent: 4
  rate_limit: 9
  faults: { reset: 0.125 }
  max_body_bytes: 5000
  max_connections: 6
variants:
  - { name: a, protocol: openai-responses, connection: http-keepalive }
`);

  it('hands every server option of the scenario to the server under its own name', () => {
    expect(serverOptions(s.server!)).toEqual({
      ttftMs: 7,
      prefillTps: 900,
      prefixCache: true,
      prefixCacheBlocks: 12,
      tps: 3000,
      jitter: 0.25,
      chunkTokens: 3,
      outputTokens: 17,
      httpOverheadMs: 1.5,
      wsOverheadMs: 2.5,
      wsConnectOverheadMs: 3.5,
      seed: 42,
      stamp: false,
      tls: true,
      maxConcurrent: 4,
      rateLimit: 9,
      faults: { reset: 0.125 },
      maxBodyBytes: 5000,
      maxConnections: 6,
    });
  });

  it('drops no option of the schema and invents none the server does not have', () => {
    const defaults = scenarioOf(`name: t
target: embedded
server: {}
variants:
  - { name: a, protocol: openai-responses, connection: http-keepalive }
`).server!;
    const out = serverOptions(defaults);
    // One option out per option in: a field added to the schema must reach the server.
    expect(Object.keys(out)).toHaveLength(Object.keys(ServerOptionsSchema.shape).length);
    expect(Object.values(out).every((v) => v !== undefined)).toBe(true);
    for (const key of Object.keys(out)) {
      if (key !== 'tls') expect(DEFAULT_SERVER_OPTIONS, key).toHaveProperty(key);
    }
  });
});

describe('requestBase', () => {
  const s = scenarioOf(`name: t
target: embedded
request: { model: m-1, body: { temperature: 0 }, exact_output: [ignore_eos, min_tokens] }
variants:
  - { name: a, protocol: openai-responses, connection: http-keepalive }
  - { name: b, protocol: openai-responses, connection: ws-persistent, exact_output: [min_tokens] }
  - { name: c, protocol: openai-chat, connection: http-fresh, exact_output: [] }
`);

  it("takes the model and body from the request block, and the knobs from the variant over the request's", () => {
    const [a, b, c] = s.variants.map((v) => requestBase(s, v));
    expect(a).toEqual({ model: 'm-1', extra: { temperature: 0 }, knobs: ['ignore_eos', 'min_tokens'] });
    expect(b).toEqual({ model: 'm-1', extra: { temperature: 0 }, knobs: ['min_tokens'] });
    // [] is an override too: it sends none.
    expect(c.knobs).toEqual([]);
  });
});

describe('openDataset', () => {
  it('is undefined without a dataset', async () => {
    const s = scenarioOf(`name: t
target: embedded
variants:
  - { name: a, protocol: openai-responses, connection: http-keepalive }
`);
    expect(await openDataset(scenarioFile, s)).toBeUndefined();
  });

  it('reads the file relative to the scenario file and checks every record', async () => {
    writeFileSync(
      path.join(scenarioDir, 'data', 'prompts.jsonl'),
      jsonLines([{ prompt: 'a' }, { prompt: 'b', output_tokens: 3 }, { prompt: 'c' }]),
    );
    const index = await openDataset(scenarioFile, withDataset('{ kind: closed }', '{ path: data/prompts.jsonl }'));
    expect(index).toMatchObject({ path: path.join(scenarioDir, 'data', 'prompts.jsonl'), format: 'jsonl', records: 3 });
  });

  it('rejects a bad record with the file and its line, before anything is sent', async () => {
    const file = path.join(scenarioDir, 'data', 'bad.jsonl');
    writeFileSync(file, jsonLines([{ prompt: 'fine' }, { prompt: 'fine too' }]) + '{"prompt": \n');
    const err = await rejection(openDataset(scenarioFile, withDataset('{ kind: closed }', '{ path: data/bad.jsonl }')));
    expect(err.message).toContain(file);
    expect(err.issues.map((i) => i.line)).toContain(3);
  });

  it('rejects a missing file naming it', async () => {
    const err = await rejection(
      openDataset(scenarioFile, withDataset('{ kind: closed }', '{ path: data/none.jsonl }')),
    );
    expect(err.message).toContain(path.join(scenarioDir, 'data', 'none.jsonl'));
  });

  it('a trace needs timestamps: a format without them is the scenario error at `dataset`', async () => {
    writeFileSync(path.join(scenarioDir, 'data', 'untimed.jsonl'), jsonLines([{ prompt: 'a' }, { prompt: 'b' }]));
    const err = await rejection(
      openDataset(scenarioFile, withDataset('{ kind: trace }', '{ path: data/untimed.jsonl }')),
    );
    expect(err.file).toBe(scenarioFile);
    expect(err.issues).toEqual([
      {
        path: 'dataset',
        message: expect.stringMatching(/a trace needs a timestamp on every record; jsonl records have none/),
      },
    ]);
  });

  it('a trace of timed records opens', async () => {
    writeFileSync(
      path.join(scenarioDir, 'data', 'mooncake.jsonl'),
      jsonLines([
        { timestamp: 0, input_length: 10, output_length: 2 },
        { timestamp: 5, input_length: 12, output_length: 3 },
      ]),
    );
    const index = await openDataset(scenarioFile, withDataset('{ kind: trace }', '{ path: data/mooncake.jsonl }'));
    expect(index?.format).toBe('mooncake');
    expect(Array.from(index!.timestamps!)).toEqual([0, 5]);
  });

  it('sessions need conversations: a lengths-only format is the scenario error, a jsonl of messages opens', async () => {
    const err = await rejection(
      openDataset(scenarioFile, withDataset('{ kind: session }', '{ path: data/mooncake.jsonl }')),
    );
    expect(err.issues).toEqual([
      {
        path: 'dataset',
        message: expect.stringMatching(/sessions replay conversations .*; mooncake holds lengths only/),
      },
    ]);
    writeFileSync(
      path.join(scenarioDir, 'data', 'chats.jsonl'),
      jsonLines([{ messages: [{ role: 'user', content: 'hi' }] }]),
    );
    const index = await openDataset(scenarioFile, withDataset('{ kind: session }', '{ path: data/chats.jsonl }'));
    expect(index).toMatchObject({ format: 'jsonl', records: 1 });
  });
});

describe('runSalt', () => {
  const salted = (salt: number | undefined): Scenario =>
    scenarioOf(`name: t
target: embedded
request: { ${salt === undefined ? '' : `salt: ${salt}`} }
variants:
  - { name: a, protocol: openai-responses, connection: http-keepalive }
`);

  it("is the scenario's salt when it sets one", () => {
    expect(runSalt(salted(1234), undefined)).toBe(1234);
    expect(runSalt(salted(0), undefined)).toBe(0);
  });

  it('is new per run when the scenario sets none: a non-negative 31-bit integer that varies', () => {
    const s = salted(undefined);
    const salts = Array.from({ length: 8 }, () => runSalt(s, undefined));
    for (const x of salts) {
      expect(Number.isInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(2 ** 31);
    }
    // Eight equal draws out of 2^31 would be a broken generator, not chance.
    expect(new Set(salts).size).toBeGreaterThan(1);
  });

  it('differs per shard, repeatably, and from the unsharded run, so no shard reads another one’s cache', () => {
    const s = salted(77);
    const shards = [1, 2, 3, 4, 5, 6, 7, 8].map((index) => runSalt(s, { index }));
    expect(new Set([...shards, runSalt(s, undefined)]).size).toBe(9);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((index) => runSalt(s, { index }))).toEqual(shards);
    for (const x of shards) {
      expect(Number.isInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(2 ** 32);
    }
    // Near the top of the range the sum wraps, it does not leave the 32-bit range.
    const high = runSalt(salted(2 ** 31 - 1), { index: 3 });
    expect(high).toBeGreaterThanOrEqual(0);
    expect(high).toBeLessThan(2 ** 32);
  });
});

describe('trustedCa', () => {
  it("is the embedded server's certificate when the variant names no CA file", () => {
    expect(trustedCa(scenarioFile, undefined, 'EMBEDDED PEM')).toBe('EMBEDDED PEM');
    expect(trustedCa(scenarioFile, undefined, undefined)).toBeUndefined();
  });

  it('reads the CA file relative to the scenario file, over the embedded certificate', () => {
    writeFileSync(path.join(scenarioDir, 'data', 'ca.pem'), 'FILE PEM\n');
    expect(trustedCa(scenarioFile, 'data/ca.pem', 'EMBEDDED PEM')).toBe('FILE PEM\n');
  });

  it('a CA file that cannot be read is the scenario error at tls.ca', () => {
    let err: unknown;
    try {
      trustedCa(scenarioFile, 'data/missing.pem', undefined);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).file).toBe(scenarioFile);
    expect((err as ScenarioError).issues).toEqual([
      { path: 'tls.ca', message: expect.stringMatching(/^cannot read the CA file \(ENOENT/) },
    ]);
  });
});
