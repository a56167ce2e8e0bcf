import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { result, variant } from '../report/fixtures.js';
import {
  assertBuilt,
  explain,
  fixture,
  type Json,
  type Outcome,
  REPO,
  runCli,
  STACK_FRAME,
  tempDir,
} from './helpers.js';

const tmp = tempDir();
beforeAll(assertBuilt);
afterAll(tmp.cleanup);

/** A usage or configuration error: exit 2, a short message, no stack trace, no output. */
function expectUsageError(o: Outcome, ...mentions: (string | RegExp)[]): void {
  expect(o.code, explain(o)).toBe(2);
  expect(o.stderr).not.toMatch(STACK_FRAME);
  expect(o.stderr).not.toMatch(/internal error/);
  const lines = o.stderr.trim().split('\n');
  expect(lines.length, o.stderr).toBeGreaterThanOrEqual(1);
  expect(lines.length, o.stderr).toBeLessThanOrEqual(3);
  for (const m of mentions) {
    if (typeof m === 'string') expect(o.stderr).toContain(m);
    else expect(o.stderr).toMatch(m);
  }
}

describe('wirebench run with bad input', () => {
  // cwd = the fixture folder, so messages name the file as the user typed it.
  const run = (...args: string[]): Promise<Outcome> =>
    runCli(['run', ...args, '--out', path.join(tmp.dir, 'never')], { cwd: path.join(REPO, 'test', 'fixtures', 'cli') });

  it('malformed YAML names file:line', async () => {
    expectUsageError(await run('malformed.yaml'), /^malformed\.yaml:\d+:\d+ /m);
  });

  it('an unknown protocol names file:line and the field', async () => {
    expectUsageError(
      await run('unknown-protocol.yaml'),
      /^unknown-protocol\.yaml:5:\d+ variants\[1\]\.protocol: /m,
      'grpc-stream',
    );
  });

  it('ws-persistent with openai-chat names file:line and the field', async () => {
    expectUsageError(await run('ws-chat.yaml'), /^ws-chat\.yaml:5:\d+ variants\[1\]\.connection: /m, 'openai-chat');
  });

  it('an unset ${env:…} reference names the variable', async () => {
    expectUsageError(
      await run('missing-env.yaml'),
      /^missing-env\.yaml:4:\d+ headers\.authorization: /m,
      'WB_MISSING_KEY',
    );
  });

  it('a missing file is named', async () => {
    expectUsageError(await run('no-such-scenario.yaml'), 'no-such-scenario.yaml');
  });

  it('an unknown flag is named', async () => {
    expectUsageError(await run('small.yaml', '--bogus-flag'), '--bogus-flag');
  });

  it('--concurrency 0 is named', async () => {
    expectUsageError(await run('small.yaml', '--concurrency', '0'), '--concurrency');
  });

  it('what would exhaust or mislead the client is refused by name: alias bombs, huge files, endless waits', async () => {
    const base =
      'name: t\ntarget: embedded\nvariants:\n  - { name: a, protocol: openai-chat, connection: http-keepalive }\n';
    const levels = Array.from({ length: 8 }, (_, i) => {
      const [name, prev] = [String.fromCharCode(98 + i), String.fromCharCode(97 + i)];
      return `${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`;
    });
    const cases: Array<[string, string, RegExp]> = [
      [
        'bomb',
        `a: &a [x, x, x, x, x, x, x, x, x, x]\n${levels.join('\n')}\n${base}`,
        /cannot read the YAML: Excessive alias/,
      ],
      [
        'forever',
        `${base}load: { kind: closed, requests: 1 }\ntimeout: 1e12\n`,
        /timeout: expected a number <= 2147483/,
      ],
      ['trickle', `${base}load: { kind: open, rate: 1e-9, requests: 1 }\n`, /load\.rate: expected a number >= 0\.001/],
      ['huge', `${base}# ${'x'.repeat(1_100_000)}\n`, /a scenario is at most 1 MiB/],
    ];
    for (const [name, yaml, message] of cases) {
      const file = path.join(tmp.dir, `${name}.yaml`);
      writeFileSync(file, yaml);
      expectUsageError(await runCli(['validate', file]), message);
    }
  });

  it('an --out that is a file is named', async () => {
    const file = path.join(tmp.dir, 'a-file');
    writeFileSync(file, '');
    const o = await runCli(['run', fixture('small.yaml'), '--out', file]);
    expectUsageError(o, /--out: cannot create the result folder .*a-file \(EEXIST\)/);
  });
});

describe('wirebench run when the results cannot be written', () => {
  it('stops, prints the summary all the same, names the file and exits 74', async () => {
    const out = path.join(tmp.dir, 'unwritable');
    // A folder where requests.jsonl goes: its first write fails, as on a full disk.
    mkdirSync(path.join(out, 'requests.jsonl'), { recursive: true });
    const o = await runCli(['run', fixture('small.yaml'), '--out', out], { timeoutMs: 60_000 });
    expect(o.code, explain(o)).toBe(74);
    expect(o.stdout).toMatch(/^wirebench \S+ {2}embedded/m);
    expect(o.stderr).toMatch(/^error: cannot write .*requests\.jsonl \(EISDIR\)$/m);
    expect(o.stderr).not.toMatch(STACK_FRAME);
    // result.json is a file of its own: kept, and whole.
    expect(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'))).toHaveProperty('complete', false);
  });
});

describe('wirebench validate', () => {
  it('prints ok for the quickstart scenario', async () => {
    const o = await runCli(['validate', path.join(REPO, 'scenarios', 'quickstart.yaml')]);
    expect(o.code, explain(o)).toBe(0);
    expect(o.stdout).toBe('ok\n');
  });

  it('exits 2 for a bad file, with nothing on stdout', async () => {
    const o = await runCli(['validate', fixture('ws-chat.yaml')]);
    expectUsageError(o, 'variants[1].connection');
    expect(o.stdout).toBe('');
  });
});

describe('wirebench schema', () => {
  it('prints a JSON Schema describing variants', async () => {
    const o = await runCli(['schema']);
    expect(o.code, explain(o)).toBe(0);
    const schema = JSON.parse(o.stdout);
    expect(schema.properties.variants).toBeDefined();
    expect(schema.properties.variants.type).toBe('array');
  });
});

describe('wirebench compare, report and merge with a damaged result', () => {
  /** A result with real histograms, its `ttft_ms` median hand-edited into a string, and one cut short. */
  function damaged(): { wrongType: string; truncated: string } {
    const r = result([variant('sse', { ttft_ms: 12 }), variant('ws', { ttft_ms: 6 })]) as Json;
    const text = JSON.stringify(r, null, 2);
    r.variants[1].metrics.ttft_ms.p50 = '6';
    const wrongType = path.join(tmp.dir, 'wrong-type.json');
    const truncated = path.join(tmp.dir, 'truncated.json');
    writeFileSync(wrongType, JSON.stringify(r, null, 2));
    writeFileSync(truncated, text.slice(0, text.length / 2));
    return { wrongType, truncated };
  }

  it('names the file and the field, or says the file is cut short', async () => {
    const { wrongType, truncated } = damaged();
    const field = `${wrongType}: variants[1].metrics.ttft_ms.p50: expected number, got string`;
    expectUsageError(await runCli(['compare', wrongType]), field);
    expectUsageError(await runCli(['report', wrongType, '--md', '-']), field);
    expectUsageError(await runCli(['merge', wrongType, wrongType, '--out', path.join(tmp.dir, 'merged.json')]), field);
    expectUsageError(await runCli(['compare', truncated]), `${truncated}: not valid JSON`);
    expectUsageError(await runCli(['report', truncated]), `${truncated}: not valid JSON`);
  });
});
