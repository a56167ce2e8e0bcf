import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, runScenarioText, tempDir } from './helpers.js';

/**
 * `wirebench compare` as a CI gate: two runs on the same server pass, a 20% slower TTFT fails a +10%
 * rule and names the metric, a 1% slowdown passes it.
 */
const { dir, cleanup } = tempDir();
const runs: Record<string, string> = {};

async function runWith(name: string, ttftMs: number, scenario = 'gate'): Promise<string> {
  await runScenarioText(
    dir,
    name,
    `name: ${scenario}
target: embedded
server: { ttft_ms: ${ttftMs}, tps: 5000, output_tokens: 10 }
request: { prompt_tokens: 8, max_output_tokens: 10 }
variants:
  - { name: sse, protocol: openai-responses, connection: http-keepalive }
  - { name: ws, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 2, requests: 40, warmup: 2, ramp_up: 0.05 }
`,
  );
  return path.join(dir, name);
}

beforeAll(async () => {
  assertBuilt();
  runs.a = await runWith('a', 100);
  runs.b = await runWith('b', 100);
  runs.slow20 = await runWith('slow20', 120);
  runs.slow1 = await runWith('slow1', 101);
  runs.other = await runWith('other', 100, 'another-scenario');
}, 120_000);
afterAll(cleanup);

const RULE = ['--fail-on', 'ttft_ms.p50>+10%'];

describe('wirebench compare', () => {
  it('two runs of one scenario on the same server: no significant change, exit 0', async () => {
    const o = await runCli(['compare', runs.a, runs.b, ...RULE, '--format', 'json']);
    expect(o.code, o.stderr).toBe(0);
    const out = JSON.parse(o.stdout);
    expect(out.failures).toEqual([]);
    const ttft = out.comparisons.filter((c: { metric: string }) => c.metric === 'ttft_ms');
    expect(ttft).toHaveLength(2);
    for (const c of ttft) expect(Math.abs(c.stats.p50.change)).toBeLessThan(0.05);
  });

  it('a candidate 20% slower to first token fails a +10% rule and names the metric', async () => {
    const o = await runCli(['compare', runs.a, runs.slow20, ...RULE]);
    expect(o.code).toBe(1);
    expect(o.stderr).toMatch(/^fail: ttft_ms\.p50>\+10%: sse ttft_ms p50 .*\(\+(19|2\d)\.\d%, 95% CI/m);
    expect(o.stdout).toMatch(/^sse\s+ttft_ms\s.*\sslower$/m);
  });

  it('a 1% slowdown passes a +10% rule', async () => {
    const o = await runCli(['compare', runs.a, runs.slow1, ...RULE]);
    expect(o.code, o.stderr).toBe(0);
  });

  it('two variants of one result, and markdown for a job summary', async () => {
    const summary = path.join(dir, 'summary.md');
    writeFileSync(summary, '');
    const o = await runCli(['compare', runs.a, '--baseline-variant', 'sse', '--candidate-variant', 'ws', '--format', 'md'], {
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toMatch(/^\| variant \| metric \| p50 base \|/);
    expect(o.stdout).toMatch(/^\| ws vs sse \| overhead_ms \|/m);
    expect(readFileSync(summary, 'utf8')).toContain('### wirebench compare');
  });

  it('refuses results of different scenarios unless --force, and says why', async () => {
    const o = await runCli(['compare', runs.a, runs.other]);
    expect(o.code).toBe(2);
    expect(o.stderr).toContain('the baseline ran scenario "gate" and the candidate "another-scenario"');
    expect((await runCli(['compare', runs.a, runs.other, '--force'])).code).toBe(0);
    const bad = await runCli(['compare', runs.a, runs.b, '--fail-on', 'ttft.p50>+10%']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown metric ttft');
  });
});
