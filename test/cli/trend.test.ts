import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { recorded, runOf, writeRun } from '../stats/trend-runs.js';
import { assertBuilt, explain, runCli, STACK_FRAME, tempDir } from './helpers.js';

/**
 * `wirebench trend` over a CI job's history: three result folders written by the test (histograms and
 * requests.jsonl from the recorder a run uses), the third with TTFT 50 ms later, and ws missing from the
 * second.
 */
const { dir, cleanup } = tempDir();
const history = path.join(dir, 'history');
const folders: string[] = [];

beforeAll(() => {
  assertBuilt();
  const builds = [
    [[recorded('sse', 100), recorded('ws', 60)], '2026-12-01T10:00:00.000Z', 'aaaa1111222233334444'],
    [[recorded('sse', 100, 13)], '2026-12-02T10:00:00.000Z', 'bbbb1111222233334444'],
    [[recorded('sse', 150, 29), recorded('ws', 60, 29)], '2026-12-03T10:00:00.000Z', 'cccc1111222233334444'],
  ] as const;
  // Named against their time order: the order must come from result.json.
  builds.forEach(([vs, at, commit], i) => folders.push(writeRun(history, `build-${3 - i}`, runOf(vs, at, commit), vs)));
});
afterAll(cleanup);

describe('wirebench trend', () => {
  it('prints p50 and p99 per variant and metric, run by run, and flags the significant change', async () => {
    const o = await runCli(['trend', history]);
    expect(o.code, explain(o)).toBe(0);
    expect(o.stdout).toContain(
      [
        'runs, by start time:',
        `  #1 2026-12-01 10:00:00Z aaaa11112222  ${path.join(folders[0], 'result.json')}`,
        `  #2 2026-12-02 10:00:00Z bbbb11112222  ${path.join(folders[1], 'result.json')}`,
        `  #3 2026-12-03 10:00:00Z cccc11112222  ${path.join(folders[2], 'result.json')}`,
      ].join('\n'),
    );
    const block = o.stdout.split('\n\n').find((b) => b.startsWith('sse · TTFT (ms)\n'))!;
    const [, head, first, second, third] = block.split('\n');
    expect(head).toMatch(
      /^run\s+started\s+commit\s+p50\s+Δ p50\s+95% CI\s+p99\s+Δ p99\s+95% CI\s+p \(MW\)\s+significant$/,
    );
    expect(first).toMatch(/^#1\s+2026-12-01 10:00:00Z\s+aaaa11112222\s+10\d\.\d+\s+10\d\.\d+$/);
    expect(second).toMatch(/^#2 .* [+-][0-4]\.\d% .* n\.s\.$/);
    expect(third).toMatch(/^#3 .* \+4\d\.\d%\s+\+\d+\.\d% \.\. \+\d+\.\d% .* <0\.0001\s+p50 slower, p99 slower$/);
    // ws: a gap in the second run, the third compared with the first.
    expect(o.stdout).toMatch(/^ws · TTFT \(ms\)\n.*\n#1 .*\n#2 .*–.*not in this run\n#3 .* n\.s\.$/m);
    // ITL is a gap between deltas, not one value per request: its changes come from the histograms.
    expect(o.stdout).toContain(
      'Changes from the exact per-request samples in requests.jsonl; from the histograms (to their 0.1% precision): itl_ms (not one value per request).',
    );
    expect(o.stdout).toContain('as wirebench compare computes them');
    expect(o.stdout).toMatch(
      /^significant changes:\nsse ttft_ms p50 #2 → #3: 10\d\.\d+ → 15\d\.\d+ \(\+4\d\.\d%, 95% CI \+\d+\.\d% \.\. \+\d+\.\d%, p \(MW\) <0\.0001\): slower$/m,
    );
    // TTFT's delay is in E2E too; it is not in overhead, nor in the gaps between tokens.
    expect(o.stdout).toMatch(/^sse e2e_ms p50 #2 → #3: /m);
    expect(o.stdout).not.toMatch(/^sse (overhead_ms|itl_ms) /m);
  });

  it('writes markdown to stdout and an HTML page with a chart per metric, and appends the job summary', async () => {
    const html = path.join(dir, 'trend.html');
    const summary = path.join(dir, 'summary.md');
    writeFileSync(summary, '');
    const o = await runCli(['trend', ...folders, '--format', 'md', '--html', html, '--metric', 'ttft_ms'], {
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    expect(o.code, explain(o)).toBe(0);
    expect(o.stderr).toBe(`wrote ${html}\n`);
    expect(o.stdout).toMatch(/^- #1 2026-12-01 10:00:00Z aaaa11112222 {2}\S+build-3\/result\.json$/m);
    expect(o.stdout).toMatch(
      /^#### sse · TTFT \(ms\)\n\n\| run \| started \| commit \| p50 \| Δ p50 \| 95% CI \| p99 \| Δ p99 \| 95% CI \| p \(MW\) \| significant \|\n\| --- \| --- \| --- \| ---: /m,
    );
    expect(o.stdout).toMatch(/^\| #3 \| 2026-12-03 10:00:00Z \| cccc11112222 \| .* \| p50 slower, p99 slower \|$/m);
    expect(o.stdout).toMatch(/^- sse ttft_ms p50 #2 → #3: .*: slower$/m);
    expect(o.stdout).not.toContain('e2e_ms');
    expect(readFileSync(summary, 'utf8')).toBe(`\n### wirebench trend\n\n${o.stdout}`);

    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(page).not.toContain('<script');
    expect(page).toContain('<title>wirebench trend · test</title>');
    // One chart for the one metric asked for: p50 and p99 of both variants, and the significant change marked.
    expect(page.match(/<figure class="chart"/g)).toHaveLength(1);
    const chart = page.match(/<figure class="chart" id="trend-ttft_ms" data-points="(\d+)">.*?<\/figure>/)!;
    const series = [...chart[0].matchAll(/data-series="([^"]+)"/g)].map((m) => m[1]);
    expect(series).toEqual(['sse p50', 'sse p99', 'sse: significant change', 'ws p50', 'ws p99']);
    // 3 + 3 sse points, 2 + 2 ws points (the gap), and the two marks of run 3.
    expect(chart[1]).toBe('12');
    expect(chart[0]).toMatch(
      /<path class="series" data-series="sse: significant change" [^>]*stroke-width="9"[^>]* d="M[\d.]+,[\d.]+h0M[\d.]+,[\d.]+h0">/,
    );
    expect(page).toContain('<li>sse ttft_ms p99 #2 → #3: ');
  });

  it('with one run prints its table and says that no change can be judged', async () => {
    const o = await runCli(['trend', folders[0], '--metric', 'ttft_ms']);
    expect(o.code, explain(o)).toBe(0);
    expect(o.stdout).toMatch(/^sse · TTFT \(ms\)\nrun .*\n#1 .*\d$/m);
    expect(o.stdout).toContain('no changes can be judged: a trend needs 2 runs, there is 1');
    expect(o.stdout).not.toMatch(/significant change|n\.s\./);
  });

  it('--no-requests compares the histograms, and says so', async () => {
    const o = await runCli(['trend', history, '--no-requests', '--metric', 'ttft_ms']);
    expect(o.code, explain(o)).toBe(0);
    expect(o.stdout).toContain('Changes from the histograms (to their 0.1% precision): ttft_ms (--no-requests).');
    expect(o.stdout).toMatch(/^sse ttft_ms p50 #2 → #3: .*: slower$/m);
  });

  it('exits 2 naming the file for a missing or damaged result, and on bad flags', async () => {
    const damaged = writeRun(dir, 'damaged', runOf([], '2026-12-04T10:00:00.000Z'), [], false);
    writeFileSync(path.join(damaged, 'result.json'), '{"schema": "wirebench.result/v1", ');
    const missing = path.join(dir, 'nowhere', 'result.json');
    const cases: [string[], string][] = [
      [[history, missing], `error: ${missing}: cannot read a result (ENOENT`],
      [[history, damaged], `error: ${path.join(damaged, 'result.json')}: not valid JSON, damaged or cut short`],
      [[history, '--metric', 'ttft'], 'error: --metric ttft: unknown metric (one of ttft_ms, '],
      [[history, '--format', 'json'], 'error: --format must be table or md, got json'],
      [[history, '--html', path.join(dir, 'no-such-folder', 'x.html')], 'error: --html '],
    ];
    for (const [args, message] of cases) {
      const o = await runCli(['trend', ...args]);
      expect(o.code, explain(o)).toBe(2);
      expect(o.stderr).toContain(message);
      expect(o.stderr).not.toMatch(STACK_FRAME);
      expect(o.stdout).toBe('');
    }
    expect(existsSync(path.join(dir, 'no-such-folder'))).toBe(false);
  });

  it('refuses runs of another scenario unless --force', async () => {
    const other = writeRun(
      dir,
      'other',
      runOf([recorded('sse', 100)], '2026-12-05T10:00:00.000Z', undefined, 'other'),
      [],
    );
    const o = await runCli(['trend', history, other, '--metric', 'ttft_ms']);
    expect(o.code).toBe(2);
    expect(o.stderr).toContain(`ran scenario "test" and ${path.join(other, 'result.json')} "other"`);
    expect((await runCli(['trend', history, other, '--force', '--metric', 'ttft_ms'])).code).toBe(0);
  });
});
