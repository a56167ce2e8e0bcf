import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { assertBuilt, explain, type Json, runCli, tempDir } from './helpers.js';

const SCENARIO = `
name: report-cli
target: embedded
server: { ttft_ms: 20, tps: 2000, output_tokens: 30, http_overhead_ms: 5, ws_overhead_ms: 1, ws_connect_overhead_ms: 5, seed: 1 }
request: { prompt_tokens: 16, max_output_tokens: 30 }
variants:
  - { name: http-keepalive, protocol: openai-responses, connection: http-keepalive }
  - { name: ws-persistent, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 2, requests: 20, warmup: 2 }
`;

describe('reports', () => {
  const tmp = tempDir();
  const out = path.join(tmp.dir, 'run');
  const summary = path.join(tmp.dir, 'step-summary.md');
  let lines: Json[] = [];

  beforeAll(async () => {
    assertBuilt();
    const file = path.join(tmp.dir, 'report.yaml');
    writeFileSync(file, SCENARIO);
    appendFileSync(summary, '# earlier step\n');
    const o = await runCli(['run', file, '--out', out, '--quiet'], {
      env: { GITHUB_STEP_SUMMARY: summary },
      timeoutMs: 60_000,
    });
    if (o.code !== 0) throw new Error(explain(o));
    lines = readFileSync(path.join(out, 'requests.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  }, 90_000);
  afterAll(() => tmp.cleanup());

  it('run writes report.md and report.html beside result.json and appends the markdown to the job summary', () => {
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain('## wirebench · report-cli');
    expect(md).toMatch(/\| http-keepalive \| 20 \/ 20 \|/);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("default-src 'none'");
    // Appended after what earlier steps wrote, not over it.
    const job = readFileSync(summary, 'utf8');
    expect(job.startsWith('# earlier step\n')).toBe(true);
    expect(job).toContain(md.trim());
  });

  it('sample requests carry their token arrivals: the 1st, 2nd, 4th, 8th, 16th success of each variant', () => {
    for (const variant of ['http-keepalive', 'ws-persistent']) {
      const measured = lines.filter((l) => l.variant === variant && !l.warmup && l.ok);
      const sampled = measured.flatMap((l, k) => (l.token_ms === undefined ? [] : [k + 1]));
      expect(sampled).toEqual([1, 2, 4, 8, 16]);
      for (const l of measured.filter((x) => x.token_ms !== undefined)) {
        expect(l.token_ms).toHaveLength(l.deltas);
        expect(l.token_ms[0]).toBeCloseTo(l.phases.firstDelta, 2);
        // Rebuilt from the gaps: the last arrival lands on the last delta within rounding.
        expect(Math.abs(l.token_ms.at(-1) - l.phases.lastDelta)).toBeLessThan(0.05);
      }
    }
  });

  it('report rewrites the reports of a result, or only those named, and prints markdown with --md -', async () => {
    rmSync(path.join(out, 'report.md'));
    rmSync(path.join(out, 'report.html'));
    const o = await runCli(['report', out]);
    expect(o.code, explain(o)).toBe(0);
    expect(existsSync(path.join(out, 'report.md'))).toBe(true);
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
    const html = path.join(tmp.dir, 'only.html');
    const only = await runCli(['report', path.join(out, 'result.json'), '--html', html]);
    expect(only.code, explain(only)).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('id="waterfall-"');
    expect(existsSync(path.join(tmp.dir, 'only.md'))).toBe(false);
    const printed = await runCli(['report', out, '--md', '-']);
    expect(printed.code, explain(printed)).toBe(0);
    expect(printed.stdout).toBe(readFileSync(path.join(out, 'report.md'), 'utf8'));
  });

  it('a file that is not a result exits 2 with the file named and no stack trace', async () => {
    const bad = path.join(tmp.dir, 'bad.json');
    writeFileSync(bad, '{"schema":"something-else"}');
    const o = await runCli(['report', bad]);
    expect(o.code).toBe(2);
    expect(o.stderr).toContain(`${bad}: not a wirebench result`);
    expect(o.stderr).not.toMatch(/\n\s+at /);
    // A report path that cannot be written is the user's to fix, said in one line.
    const nowhere = await runCli(['report', out, '--html', path.join(tmp.dir, 'no', 'such', 'dir', 'r.html')]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/^error: ENOENT/);
    expect(nowhere.stderr).not.toMatch(/\n\s+at /);
  });
});
