import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RequestLine } from '../../src/result/requests/line.js';
import type { Result } from '../../src/result/result.js';
import { parseScenario } from '../../src/scenario/load.js';
import { assertBuilt, runCli, runScenarioText } from '../cli/helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-sweep-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = (sweep: string) => `name: sweep
target: embedded
server: { ttft_ms: 5, tps: 5000, output_tokens: 50 }
request: { prompt_tokens: 8, max_output_tokens: 5 }
variants:
  - { name: a, protocol: openai-responses, connection: http-keepalive }
  - { name: b, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 1, requests: 4, warmup: 1 }
sweep: ${sweep}
`;

describe('sweeps', () => {
  it('a sweep of 3 values yields 3 steps per variant, each run with its value', async () => {
    const { result, lines } = await runScenarioText<RequestLine>(
      dir,
      'outputs',
      base('{ param: request.max_output_tokens, values: [2, 4, 8] }'),
    );
    const r = result as Result;
    expect(r.complete).toBe(true);
    expect(r.variants).toEqual([]);
    expect(r.sweep).toEqual({ param: 'request.max_output_tokens', values: [2, 4, 8] });
    expect(r.steps!.map((s) => [s.param, s.value, s.variants.map((v) => v.name)])).toEqual([
      ['request.max_output_tokens', 2, ['a', 'b']],
      ['request.max_output_tokens', 4, ['a', 'b']],
      ['request.max_output_tokens', 8, ['a', 'b']],
    ]);
    for (const [k, step] of r.steps!.entries()) {
      for (const v of step.variants) {
        expect(v.counts).toMatchObject({ requests: 4, ok: 4 });
        // The swept value reached the wire: the server capped each answer at it.
        expect(v.tokens.output).toBe(4 * (step.value as number));
        expect(step.comparisons.length).toBeGreaterThan(0);
      }
      expect(lines.filter((l) => l.step === k && !l.warmup)).toHaveLength(8);
    }
  });

  it('the terminal summary prints one row per step per variant', async () => {
    const file = path.join(dir, 'rows.yaml');
    writeFileSync(file, base('{ param: load.concurrency, values: [1, 2] }'));
    const o = await runCli(['run', file, '--out', path.join(dir, 'rows')], { timeoutMs: 60_000 });
    expect(o.code, o.stderr).toBe(0);
    const rows = o.stdout.split('\n').filter((l) => /^\d+\s+[ab]\s+\d+\/\d+/.test(l));
    expect(rows.map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['1', 'a', '4/4'],
      ['1', 'b', '4/4'],
      ['2', 'a', '4/4'],
      ['2', 'b', '4/4'],
    ]);
    expect(o.stdout).toMatch(/^load\.concurrency\s+variant\s+ok\/req\s+req\/s\s+TTFT p50/m);
  });

  it('a value that makes an invalid scenario is reported at the value, before anything runs', () => {
    const text = base('{ param: load.concurrency, values: [1, 0, "many"] }');
    expect(() => parseScenario(text, 's.yaml', {})).toThrow(
      /^s\.yaml:\d+:\d+ sweep\.values\[1\]: load\.concurrency = 0 makes an invalid scenario: load\.concurrency: .*\n.*sweep\.values\[2\]: load\.concurrency = "many"/,
    );
  });

  it('a path outside what can be swept is refused', () => {
    expect(() => parseScenario(base('{ param: variants, values: [1] }'), 's.yaml', {})).toThrow(
      /sweep\.param: expected a dotted path under load/,
    );
  });
});
