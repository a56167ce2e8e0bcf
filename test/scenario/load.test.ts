import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import { ScenarioSchema } from '../../src/scenario/schema.js';
import { ScenarioError } from '../../src/shared/input-error.js';
import { scenarioFailure } from './helpers.js';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/scenario');

/** A valid scenario with `extra` appended (top-level keys). */
const base = (extra = ''): string => `name: t
target: embedded
variants:
  - protocol: openai-responses
    connection: http-keepalive
${extra}`;

const failure = scenarioFailure;

describe('valid scenarios', () => {
  it('parses the YAML fixture with defaults applied and headers merged', () => {
    const { scenario, file } = loadScenario(path.join(FIXTURES, 'quick.yaml'), { WB_TEST_KEY: 'sk-test' });
    expect(file).toMatch(/quick\.yaml$/);
    expect(scenario.server).toEqual({
      ttft_ms: 100,
      prefill_tps: 0,
      prefix_cache: false,
      prefix_cache_blocks: 65_536,
      tps: 2000,
      jitter: 0,
      chunk_tokens: 1,
      output_tokens: 200,
      http_overhead_ms: 0,
      ws_overhead_ms: 0,
      ws_connect_overhead_ms: 0,
      seed: 1,
      stamp: true,
      tls: false,
      max_concurrent: 0,
      rate_limit: 0,
      faults: {},
      max_body_bytes: 16 * 1024 * 1024,
      max_connections: 10_000,
    });
    expect(scenario.request).toEqual({
      model: 'gpt-4.1-mini',
      prompt_tokens: 200,
      max_output_tokens: 200,
      shared_prefix_tokens: 0,
      prefix_groups: 1,
      exact_output: [],
      seed: 1,
      body: { temperature: 0 },
    });
    expect(scenario.headers).toEqual({ authorization: 'Bearer sk-test' });
    expect(scenario.variants).toEqual([
      {
        name: 'ws-persistent',
        protocol: 'openai-responses',
        connection: 'ws-persistent',
        headers: { authorization: 'Bearer sk-test' },
        per_message_deflate: false,
        tls: {},
      },
      {
        name: 'sse-keepalive',
        protocol: 'openai-responses',
        connection: 'http-keepalive',
        headers: { authorization: 'Bearer sk-test', 'x-trace': 'run-local' },
        per_message_deflate: false,
        tls: {},
      },
    ]);
    expect(scenario.load).toEqual({
      kind: 'closed',
      concurrency: 8,
      warmup: 4,
      ramp_up: 0,
      requests: undefined,
      duration: 30,
    });
    expect(scenario.timeout).toBe(60);
  });

  it('parses the JSON fixture through the same path, with every default', () => {
    const { scenario } = loadScenario(path.join(FIXTURES, 'minimal.json'), {});
    expect(scenario.target).toBe('https://user:secret@api.example.com/v1');
    expect(scenario.server).toBeUndefined();
    expect(scenario.headers).toEqual({});
    // The prompt length's default (32 tokens) is the workload's: with a dataset there is none.
    expect(scenario.request).toEqual({
      model: 'wirebench-ref',
      max_output_tokens: 200,
      shared_prefix_tokens: 0,
      prefix_groups: 1,
      exact_output: [],
      seed: 1,
      body: {},
    });
    expect(scenario.load).toEqual({
      kind: 'closed',
      concurrency: 1,
      warmup: 0,
      ramp_up: 0,
      requests: 100,
      duration: undefined,
    });
    expect(scenario.variants[0].name).toBe('http-fresh');
    expect(scenario).not.toHaveProperty('$schema');
  });

  it('fills in the reference server defaults for an embedded target without a server block', () => {
    const { scenario } = parseScenario(base(), 'ok.yaml', {});
    expect(scenario.server).toMatchObject({ ttft_ms: 150, tps: 1000, stamp: true });
  });

  it('keeps a literal prompt instead of synthesizing one', () => {
    const { scenario } = parseScenario(base('request:\n  prompt: Say hello\n'), 'ok.yaml', {});
    expect(scenario.request.prompt).toBe('Say hello');
    expect(scenario.request.prompt_tokens).toBeUndefined();
  });

  it('parses its own output unchanged (overrides rely on it)', () => {
    const { scenario } = loadScenario(path.join(FIXTURES, 'quick.yaml'), { WB_TEST_KEY: 'k' });
    expect(ScenarioSchema.parse(scenario)).toEqual(scenario);
  });
});

describe('errors name the file, line:column, field and expectation', () => {
  it('malformed YAML', () => {
    expect(failure('name: t\n  bad: x\n').message).toBe(
      'bad.yaml:1:7 Nested mappings are not allowed in compact mappings\n' +
        'bad.yaml:1:7 Implicit keys need to be on a single line',
    );
  });

  it('duplicate YAML keys', () => {
    expect(failure('name: a\nname: b\n').message).toBe('bad.yaml:2:1 Map keys must be unique');
  });

  it('unknown protocol', () => {
    const err = failure(base().replace('protocol: openai-responses', 'protocol: anthropic'));
    expect(err.message).toBe(
      'bad.yaml:4:15 variants[0].protocol: expected one of openai-responses | openai-chat | openai-realtime | anthropic-messages | ollama-generate | ollama-chat | tgi-generate-stream | generic, got "anthropic"',
    );
    expect(err.issues).toEqual([
      {
        path: 'variants[0].protocol',
        line: 4,
        column: 15,
        message:
          'expected one of openai-responses | openai-chat | openai-realtime | anthropic-messages | ollama-generate | ollama-chat | tgi-generate-stream | generic, got "anthropic"',
      },
    ]);
  });

  it('unknown connection, in the second variant', () => {
    const text = base('  - protocol: openai-responses\n    connection: ws-persist\n');
    expect(failure(text).message).toBe(
      'bad.yaml:7:17 variants[1].connection: expected one of http-fresh | http-keepalive | http2 | ws-persistent | ws-per-request, got "ws-persist"',
    );
  });

  it('a WebSocket connection with a protocol that has no WebSocket mode', () => {
    const text = base()
      .replace('protocol: openai-responses', 'protocol: openai-chat')
      .replace('http-keepalive', 'ws-persistent');
    expect(failure(text).message).toBe(
      'bad.yaml:5:17 variants[0].connection: connection ws-persistent needs a protocol with a WebSocket mode (openai-responses, openai-realtime); openai-chat has none',
    );
  });

  it('per_message_deflate on an HTTP connection', () => {
    expect(failure(`${base()}    per_message_deflate: true\n`).message).toBe(
      'bad.yaml:6:26 variants[0].per_message_deflate: per_message_deflate applies to WebSocket connections only; http-keepalive is HTTP',
    );
  });

  it('an unknown key, with a suggestion for the typo', () => {
    expect(failure(base('load:\n  kind: closed\n  concurency: 2\n')).message).toBe(
      'bad.yaml:8:3 load.concurency: unknown key; did you mean "concurrency"?',
    );
    expect(failure(base('timeot: 5\n')).message).toBe('bad.yaml:6:1 timeot: unknown key; did you mean "timeout"?');
  });

  it('an unknown key without a close match lists the allowed keys', () => {
    expect(failure(base('request:\n  zzz: 1\n')).message).toBe(
      'bad.yaml:7:3 request.zzz: unknown key; expected one of model | prompt | prompt_tokens | shared_prefix_tokens | prefix_groups | ' +
        'max_output_tokens | exact_output | seed | salt | body',
    );
  });

  it('prompt and prompt_tokens both set', () => {
    expect(failure(base('request:\n  prompt: hi\n  prompt_tokens: 5\n')).message).toBe(
      'bad.yaml:8:18 request.prompt_tokens: expected exactly one of prompt / prompt_tokens, got both',
    );
  });

  it('requests and duration both set', () => {
    expect(failure(base('load:\n  kind: closed\n  requests: 5\n  duration: 10\n')).message).toBe(
      'bad.yaml:9:13 load.duration: expected exactly one of requests / duration, got both',
    );
  });

  it('a server block with a URL target', () => {
    const text = base('server:\n  tps: 5\n').replace('target: embedded', 'target: https://api.example.com/v1');
    expect(failure(text).message).toBe(
      'bad.yaml:7:3 server: server options apply only to target: embedded; remove them or use the embedded target',
    );
  });

  it('an invalid target', () => {
    expect(failure(base().replace('target: embedded', 'target: ftp://x')).message).toBe(
      'bad.yaml:2:9 target: expected "embedded" or an http(s):// or ws(s):// URL, got "ftp://x"',
    );
  });

  it('duplicate variant names, also when one comes from the connection default', () => {
    const text = base('  - name: http-keepalive\n    protocol: openai-chat\n    connection: http-keepalive\n');
    expect(failure(text).message).toBe(
      'bad.yaml:6:11 variants[1].name: duplicate variant name "http-keepalive" (variants[0] has it too); names must be unique',
    );
  });

  it('a missing required key points at the enclosing node', () => {
    expect(failure(base().replace('name: t\n', '')).message).toBe(
      'bad.yaml:1:1 name: required field is missing; expected a string',
    );
    expect(failure(base('  - protocol: openai-chat\n')).message).toBe(
      'bad.yaml:6:5 variants[1].connection: required field is missing; expected one of http-fresh | http-keepalive | http2 | ws-persistent | ws-per-request',
    );
  });

  it('a load kind that does not exist', () => {
    expect(failure(base('load:\n  kind: sweeps\n')).message).toBe(
      'bad.yaml:7:9 load.kind: expected one of closed | open | trace | session, got "sweeps"',
    );
  });

  it('an open load needs its rate', () => {
    expect(failure(base('load:\n  kind: open\n')).message).toMatch(/^bad\.yaml:7:3 load\.rate: required field/);
  });

  it('out-of-range numbers and wrong types', () => {
    expect(failure(base('load:\n  kind: closed\n  concurrency: 0\n')).message).toBe(
      'bad.yaml:8:16 load.concurrency: expected a number >= 1, got 0',
    );
    expect(failure(base('timeout: soon\n')).message).toBe('bad.yaml:6:10 timeout: expected a number, got "soon"');
  });

  it('an empty document', () => {
    expect(failure('').message).toBe('bad.yaml:1:1 expected a mapping, got null (an empty value)');
  });

  it('reports every problem at once, in file order', () => {
    const err = failure('name: a b\ntarget: nowhere\nvariants: []\n');
    expect(err.issues.map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual([
      '1:7 name',
      '2:9 target',
      '3:11 variants',
    ]);
    expect(err.issues[2].message).toBe('expected at least 1 entry, got a list');
  });

  it('JSON files get line numbers too', () => {
    const json =
      '{\n\t"name": "x",\n\t"target": "embedded",\n\t"variants": [\n\t\t{"protocol": "openai-chat", "connection": "ws-per-request"}\n\t]\n}\n';
    expect(failure(json).message).toBe(
      'bad.yaml:5:45 variants[0].connection: connection ws-per-request needs a protocol with a WebSocket mode (openai-responses, openai-realtime); openai-chat has none',
    );
  });

  it('an unreadable file', () => {
    const missing = path.join(mkdtempSync(path.join(tmpdir(), 'wb-scenario-')), 'nope.yaml');
    expect(() => loadScenario(missing, {})).toThrow(ScenarioError);
    expect(() => loadScenario(missing, {})).toThrow(`${missing}: cannot read the scenario file (ENOENT`);
  });

  it('a file on disk reports its path as given', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'wb-scenario-')), 'typo.yaml');
    writeFileSync(file, base('timeot: 5\n'));
    expect(() => loadScenario(file, {})).toThrow(`${file}:6:1 timeot: unknown key`);
  });
});

describe('${env:…} substitution', () => {
  const withHeaders = (headers: string): string => base(`headers:\n${headers}`);

  it('replaces references inside longer strings, several per string', () => {
    const { scenario } = parseScenario(
      withHeaders('  authorization: "Bearer ${env:KEY}"\n  x-run: "${env:A}-${env:B}/${env:A}"\n'),
      'ok.yaml',
      { KEY: 'sk-1', A: 'a', B: 'b' },
    );
    expect(scenario.headers).toEqual({ authorization: 'Bearer sk-1', 'x-run': 'a-b/a' });
  });

  it('uses the fallback when the variable is unset or empty', () => {
    const text = withHeaders(
      '  x-a: ${env:UNSET:-one}\n  x-b: ${env:EMPTY:-two}\n  x-c: "${env:EMPTY}"\n  x-d: ${env:UNSET:-}\n',
    );
    const { scenario } = parseScenario(text, 'ok.yaml', { EMPTY: '' });
    expect(scenario.headers).toEqual({ 'x-a': 'one', 'x-b': 'two', 'x-c': '', 'x-d': '' });
  });

  it('a missing variable names the variable and the field', () => {
    const err = failure(withHeaders('  authorization: "Bearer ${env:OPENAI_API_KEY}"\n'));
    expect(err.message).toBe('bad.yaml:7:18 headers.authorization: environment variable OPENAI_API_KEY is not set');
  });

  it('a malformed reference is an error', () => {
    expect(failure(withHeaders('  x-a: ${env:1BAD}\n')).message).toBe(
      'bad.yaml:7:8 headers.x-a: malformed reference ${env:1BAD}; expected ${env:NAME} or ${env:NAME:-fallback}',
    );
  });

  it('a whole-value reference in a numeric field becomes a number', () => {
    const { scenario } = parseScenario(base('load:\n  kind: closed\n  concurrency: ${env:USERS}\n'), 'ok.yaml', {
      USERS: '8',
    });
    expect(scenario.load).toMatchObject({ kind: 'closed', concurrency: 8 });
    expect(failure(base('load:\n  kind: closed\n  concurrency: ${env:USERS}\n'), { USERS: 'many' }).message).toBe(
      'bad.yaml:8:16 load.concurrency: expected a number, got "many"',
    );
  });

  it('text fields stay text even when the value looks numeric', () => {
    const { scenario } = parseScenario(base('request:\n  model: ${env:M}\n'), 'ok.yaml', { M: '42' });
    expect(scenario.request.model).toBe('42');
  });

  it('raw keeps the unexpanded references', () => {
    const { raw, scenario } = parseScenario(withHeaders('  authorization: "Bearer ${env:KEY}"\n'), 'ok.yaml', {
      KEY: 'sk-1',
    });
    expect(scenario.headers.authorization).toBe('Bearer sk-1');
    expect(raw).toMatchObject({ headers: { authorization: 'Bearer ${env:KEY}' } });
    expect(JSON.stringify(raw)).not.toContain('sk-1');
  });
});
