import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Result } from '../../src/result/result.js';
import { assertBuilt, explain, readResult, runCli, runScenarioText } from '../cli/helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-thresholds-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two variants against a server whose every TTFT is 20 ms. */
const scenario = (extra: string) => `name: thresholds
target: embedded
server: { ttft_ms: 20, tps: 5000, output_tokens: 20 }
request: { prompt_tokens: 8, max_output_tokens: 5 }
variants:
  - { name: a, protocol: openai-responses, connection: http-keepalive }
  - { name: b, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 1, requests: 4, warmup: 1 }
${extra}
`;

function write(name: string, yaml: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

describe('thresholds and goodput in a run', () => {
  it('thresholds that hold exit 0 and are recorded; every request within a loose SLO is good', async () => {
    const { result } = await runScenarioText(
      dir,
      'pass',
      scenario(`thresholds: { "*.ttft_ms.p50": "< 5000", "*.errors.rate": "< 0.01", "b.goodput.share": ">= 1" }
slo: { ttft_ms: 100 }`),
    );
    const r = result as Result;
    expect(r.thresholds!.map((t) => [t.key, t.variant, t.ok])).toEqual([
      ['*.ttft_ms.p50', 'a', true],
      ['*.ttft_ms.p50', 'b', true],
      ['*.errors.rate', 'a', true],
      ['*.errors.rate', 'b', true],
      ['b.goodput.share', 'b', true],
    ]);
    expect(r.thresholds![0].value).toBeGreaterThanOrEqual(20);
    for (const v of r.variants) expect(v.goodput).toMatchObject({ share: 1, good: 4, requests: 4 });
  });

  it('a threshold that fails exits 1 after writing the results, naming the key and the value', async () => {
    const out = path.join(dir, 'fail');
    const file = write(
      'fail',
      scenario('thresholds: { "*.ttft_ms.p50": "< 5", "*.errors.count": "== 0" }\nslo: { ttft_ms: 10 }'),
    );
    const o = await runCli(['run', file, '--out', out], { timeoutMs: 60_000 });
    expect(o.code, explain(o)).toBe(1);
    const r = readResult<Result>(out);
    const failed = r.thresholds!.filter((t) => !t.ok);
    expect(failed.map((t) => t.variant)).toEqual(['a', 'b']);
    for (const t of failed) {
      expect(t.value).toBeGreaterThanOrEqual(20);
      expect(o.stderr).toContain(`threshold failed: *.ttft_ms.p50 < 5  ${t.variant}: ${t.value}\n`);
      expect(o.stdout).toContain(`✗ *.ttft_ms.p50 < 5  ${t.variant}: ${t.value}\n`);
    }
    expect(o.stdout).toMatch(/Thresholds: 2 of 4 failed\n/);
    expect(o.stdout).toContain('✓ *.errors.count == 0  a: 0');
    // TTFT is 20 ms and the SLO allows 10: no request is good.
    for (const v of r.variants) expect(v.goodput).toMatchObject({ share: 0, good: 0, requests: 4, rate_per_s: 0 });
    expect(o.stdout).toContain('goodput  0/4 within the SLO (0.0%)');
  });

  it('with a sweep every step is checked, and a failure names its step even with --quiet', async () => {
    const out = path.join(dir, 'sweep');
    const file = write(
      'sweep',
      scenario('thresholds: { "a.ttft_ms.p50": "< 5" }\nsweep: { param: load.concurrency, values: [1, 2] }'),
    );
    const o = await runCli(['run', file, '--out', out, '--quiet'], { timeoutMs: 60_000 });
    expect(o.code, explain(o)).toBe(1);
    expect(o.stdout).toBe('');
    const r = readResult<Result>(out);
    expect(r.thresholds!.map((t) => [t.variant, t.step, t.ok])).toEqual([
      ['a', 0, false],
      ['a', 1, false],
    ]);
    expect(o.stderr).toMatch(/threshold failed: a\.ttft_ms\.p50 < 5 {2}a at load\.concurrency = 1: \d/);
    expect(o.stderr).toMatch(/threshold failed: a\.ttft_ms\.p50 < 5 {2}a at load\.concurrency = 2: \d/);
  });

  it('a bad threshold key stops the run before it starts: exit 2 at file:line:col', async () => {
    const file = write('bad', scenario('thresholds:\n  "*.ttft_ms.p50": "< 5"\n  "c.ttft_ms.p99": "< 5"'));
    const o = await runCli(['run', file, '--out', path.join(dir, 'bad')]);
    expect(o.code, explain(o)).toBe(2);
    expect(o.stderr).toContain(`${file}:11:`);
    expect(o.stderr).toMatch(
      /thresholds\["c\.ttft_ms\.p99"\]: unknown variant "c" in "c\.ttft_ms\.p99"; expected one of a, b, or \*/,
    );
  });
});
