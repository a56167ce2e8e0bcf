/**
 * Configuration from outside the file, end to end through the built CLI against the embedded server:
 * `--set`, `WIREBENCH_…` variables, a one-off run from flags alone, and `validate --no-env`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  assertBuilt,
  explain,
  fixture,
  type Json,
  type Outcome,
  readRequests,
  readResult,
  runCli,
  STACK_FRAME,
  tempDir,
} from './helpers.js';

const tmp = tempDir();
beforeAll(assertBuilt);
afterAll(tmp.cleanup);

/** Exit 2 with one message naming the place, no stack trace, nothing run. */
function expectUsageError(o: Outcome, first: string | RegExp): void {
  expect(o.code, explain(o)).toBe(2);
  expect(o.stderr).not.toMatch(STACK_FRAME);
  expect(o.stderr).not.toMatch(/internal error/);
  expect(o.stdout).toBe('');
  const lines = o.stderr.trim().split('\n');
  expect(lines, o.stderr).toHaveLength(1);
  if (typeof first === 'string') expect(lines[0]).toBe(first);
  else expect(lines[0]).toMatch(first);
}

const out = (name: string): string => path.join(tmp.dir, name);

describe('run with --set and WIREBENCH_ variables', () => {
  it('sets fields in the order file < environment < --set < dedicated flags', async () => {
    const o = await runCli(
      [
        'run',
        fixture('small.yaml'),
        '--out',
        out('precedence'),
        '--quiet',
        '--set',
        'load.requests=5',
        '--set',
        'request.max_output_tokens=6',
        '--set',
        'variants[1].connection=ws-per-request',
        '--requests',
        '3',
      ],
      {
        env: { WIREBENCH_LOAD__REQUESTS: '9', WIREBENCH_REQUEST__MAX_OUTPUT_TOKENS: '7', WIREBENCH_LOAD__WARMUP: '0' },
      },
    );
    expect(o.code, explain(o)).toBe(0);
    const result = readResult(out('precedence'));
    // --requests over --set over the variable; the variable over the file (warmup: 1).
    expect(result.variants.map((v: Json) => v.counts)).toMatchObject([
      { requests: 3, warmup: 0 },
      { requests: 3, warmup: 0 },
    ]);
    expect(result.variants[1]).toMatchObject({ name: 'ws-persistent', connection: 'ws-per-request' });
    const lines = readRequests(out('precedence'));
    expect(new Set(lines.map((l: Json) => l.max_output_tokens))).toEqual(new Set([6]));
    expect(result.overrides).toEqual({
      requests: 3,
      set: {
        WIREBENCH_LOAD__REQUESTS: 9,
        WIREBENCH_LOAD__WARMUP: 0,
        WIREBENCH_REQUEST__MAX_OUTPUT_TOKENS: 7,
        '--set load.requests': 5,
        '--set request.max_output_tokens': 6,
        '--set variants[1].connection': 'ws-per-request',
      },
    });
  });

  it('a bad --set value names the flag', async () => {
    const run = (...sets: string[]) =>
      runCli(['run', fixture('small.yaml'), '--out', out('never'), ...sets.flatMap((s) => ['--set', s])]);
    expectUsageError(await run('load.requests=abc'), '--set load.requests: expected a number, got "abc"');
    expectUsageError(
      await run('lod.requests=3'),
      /^--set lod\.requests: unknown field "lod" in the scenario; expected one of/,
    );
    expectUsageError(await run('variants[0].connection=http2'), /^--set variants\[0\]\.connection: http2 needs TLS/);
    expectUsageError(await run('load.requests'), '--set load.requests: expected PATH=VALUE, e.g. --set load.rate=20');
    expectUsageError(await run('variants[0]connection=x'), /^--set: expected a field path such as load\.rate/);
    expectUsageError(
      await run('load.rate=5'),
      '--set load.rate: unknown key for this form of load; other forms have it',
    );
  });

  it('a bad variable names the variable', async () => {
    const run = (env: Record<string, string>) => runCli(['run', fixture('small.yaml'), '--out', out('never')], { env });
    expectUsageError(
      await run({ WIREBENCH_LOAD__CONCURRENCY: '0' }),
      'WIREBENCH_LOAD__CONCURRENCY: expected a number >= 1, got 0',
    );
    expectUsageError(
      await run({ WIREBENCH_LOAD__REQEUSTS: '3' }),
      /^WIREBENCH_LOAD__REQEUSTS: unknown field "reqeusts" in load/,
    );
    expectUsageError(
      await run({ WIREBENCH_LOAD____RATE: '3' }),
      /^WIREBENCH_LOAD____RATE: expected WIREBENCH_<FIELD>__<FIELD>/,
    );
  });
});

describe('a one-off run from flags alone', () => {
  it('runs a variant per protocol × connection with the schema defaults', async () => {
    const o = await runCli([
      'run',
      '--target',
      'embedded',
      '--protocol',
      'openai-responses',
      '--connection',
      'ws-persistent,http-keepalive',
      '--model',
      'm-1',
      '--requests',
      '4',
      '--set',
      'server={ttft_ms: 5, tps: 4000, output_tokens: 10}',
      '--out',
      out('one-off'),
      '--quiet',
    ]);
    expect(o.code, explain(o)).toBe(0);
    const result = readResult(out('one-off'));
    expect(result.variants.map((v: Json) => [v.name, v.protocol, v.connection, v.counts.ok])).toEqual([
      ['ws-persistent', 'openai-responses', 'ws-persistent', 4],
      ['http-keepalive', 'openai-responses', 'http-keepalive', 4],
    ]);
    expect(result.overrides).toEqual({
      target: 'embedded',
      requests: 4,
      set: { '--set server': { ttft_ms: 5, tps: 4000, output_tokens: 10 } },
    });
    // The document the flags made is recorded as a file's would be.
    expect(result.scenario).toMatchObject({ name: 'one-off', target: 'embedded', request: { model: 'm-1' } });
  });

  it('names the flag a bad value came from, once', async () => {
    const run = (...args: string[]) => runCli(['run', '--target', 'embedded', '--out', out('never'), ...args]);
    expectUsageError(
      await run('--protocol', 'openai-responses', '--connection', 'ws-persistent,http-kepalive'),
      /^--connection: expected one of http-fresh \| .*, got "http-kepalive"$/,
    );
    expectUsageError(
      await run('--protocol', 'openai-realtime', '--connection', 'http-keepalive'),
      /^--connection: connection http-keepalive needs a protocol with an HTTP mode/,
    );
    expectUsageError(
      await run('--connection', 'http-keepalive'),
      '--protocol: is needed for a run without a scenario file',
    );
  });

  it('without a file and without --target is a usage error', async () => {
    expectUsageError(
      await runCli(['run', '--requests', '5']),
      'run needs a scenario file, or --target URL (with --protocol and --connection) for a one-off run',
    );
  });

  it('the one-off flags with a file are a usage error', async () => {
    expectUsageError(
      await runCli(['run', fixture('small.yaml'), '--protocol', 'openai-chat']),
      '--protocol: applies to a run without a scenario file; with a file, use --set',
    );
  });
});

describe('validate --no-env', () => {
  it('passes a scenario whose secrets are not set yet, saying what it could not check', async () => {
    const o = await runCli(['validate', '--no-env', fixture('missing-env.yaml')]);
    expect(o.code, explain(o)).toBe(0);
    expect(o.stdout).toBe('ok (unset variables, not checked: headers.authorization)\n');
    // Without --no-env the same file fails on the missing variable.
    expectUsageError(
      await runCli(['validate', fixture('missing-env.yaml')]),
      /missing-env\.yaml:4:18 headers\.authorization: environment variable WB_MISSING_KEY is not set$/,
    );
  });

  it('still checks everything else', async () => {
    const file = out('no-env-bad.yaml');
    writeFileSync(
      file,
      'name: t\ntarget: "${env:WB_URL}"\nvariants:\n  - { protocol: openai-responses, connection: ws-persistnt }\n',
    );
    expectUsageError(
      await runCli(['validate', '--no-env', file]),
      /no-env-bad\.yaml:4:47 variants\[0\]\.connection: expected one of/,
    );
  });

  it('validate applies WIREBENCH_ variables as run does, and --no-env ignores them', async () => {
    const env = { WIREBENCH_LOAD__CONCURRENCY: '0' };
    expectUsageError(
      await runCli(['validate', fixture('small.yaml')], { env }),
      'WIREBENCH_LOAD__CONCURRENCY: expected a number >= 1, got 0',
    );
    const o = await runCli(['validate', '--no-env', fixture('small.yaml')], { env });
    expect(o.stdout, explain(o)).toBe('ok\n');
  });
});
