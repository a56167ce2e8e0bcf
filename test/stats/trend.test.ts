import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { METRIC_INFO } from '../../src/core/catalog.js';
import { ResultFileError } from '../../src/result/read.js';
import { compareMetric, histogramsOnly } from '../../src/stats/compare.js';
import { compareResults } from '../../src/stats/compare-results.js';
import { TREND_METRICS, TrendError, trendOf } from '../../src/stats/trend.js';
import { tempDir } from '../cli/helpers.js';
import { recorded, runOf, writeRun } from './trend-runs.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

// Three builds: the same server twice, then TTFT 50 ms later; ws is missing from the second.
const sse = [recorded('sse', 100), recorded('sse', 100, 13), recorded('sse', 150, 29)];
const ws = [recorded('ws', 60), undefined, recorded('ws', 60, 29)];
const runs = [
  runOf([sse[0], ws[0]!], '2026-12-01T10:00:00.000Z', 'aaaa111122223333'),
  runOf([sse[1]], '2026-12-02T10:00:00.000Z', 'bbbb111122223333'),
  runOf([sse[2], ws[2]!], '2026-12-03T10:00:00.000Z'),
];

describe('trendOf', () => {
  it('follows the catalog’s compared and change metrics, those with data, per variant', async () => {
    expect(TREND_METRICS).toEqual(
      Object.entries(METRIC_INFO)
        .filter(([, i]) => i.shows.includes('compared') || i.shows.includes('change'))
        .map(([m]) => m),
    );
    const t = await trendOf(runs);
    expect(t.scenario).toBe('test');
    const keys = t.series.map((s) => `${s.variant}.${s.metric}`);
    // The recorded requests measure overhead, TTFT, ITL, TPOT, E2E and decode rate; nothing else has data.
    expect(keys).toEqual(
      ['sse', 'ws'].flatMap((v) =>
        TREND_METRICS.filter((m) => sse[0].variant.metrics[m] !== undefined).map((m) => `${v}.${m}`),
      ),
    );
    expect(keys).toContain('ws.ttft_ms');
    expect(t.runs).toEqual([
      { started_at: runs[0].env.started_at, git_commit: 'aaaa111122223333' },
      { started_at: runs[1].env.started_at, git_commit: 'bbbb111122223333' },
      { started_at: runs[2].env.started_at },
    ]);
  });

  it('judges each change with compare’s own comparison, and flags only the significant one', async () => {
    const t = await trendOf(runs, { seed: 3 });
    const ttft = t.series.find((s) => s.variant === 'sse' && s.metric === 'ttft_ms')!;
    const [first, same, slower] = ttft.points;
    expect(first).toEqual({
      count: 120,
      p50: sse[0].variant.metrics.ttft_ms!.p50,
      p99: sse[0].variant.metrics.ttft_ms!.p99,
    });
    // The same server: no significant change of either statistic.
    expect(same!.change!.from).toBe(0);
    expect(same!.change!.significant).toEqual([]);
    expect(Math.abs(same!.change!.comparison.stats.p50.change)).toBeLessThan(0.05);
    // +50 ms on ~105 ms: p50 and p99 both significantly slower, by about +48%.
    expect(slower!.change!.significant).toEqual(['p50', 'p99']);
    expect(slower!.change!.comparison.verdicts).toMatchObject({ p50: 'slower', p99: 'slower' });
    expect(slower!.change!.comparison.stats.p50.change).toBeGreaterThan(0.4);
    expect(slower!.change!.comparison.stats.p50.change).toBeLessThan(0.55);
    // Objects carry no requests.jsonl: compare's histogram comparison, to the number.
    const [b, c] = [sse[1].variant.metrics.ttft_ms!, sse[2].variant.metrics.ttft_ms!];
    const none = histogramsOnly('a result object, not a file');
    expect(slower!.change!.comparison).toEqual(
      compareMetric('sse', b, 'sse', c, 'ttft_ms', 3, { baseline: none, candidate: none }),
    );
  });

  it('leaves a gap where a run lacks a variant, and compares the next run with the last that had it', async () => {
    const t = await trendOf(runs);
    const ttft = t.series.find((s) => s.variant === 'ws' && s.metric === 'ttft_ms')!;
    expect(ttft.points[1]).toBeNull();
    expect(ttft.points[2]!.change!.from).toBe(0);
    expect(ttft.points[2]!.change!.significant).toEqual([]);
  });

  it('orders runs by start time whatever the arguments’ order, and by path on a tie', async () => {
    const dir = path.join(tmp.dir, 'order');
    const [a, b, c] = runs.map((r, i) => writeRun(dir, `r${i}`, r, [sse[i], ...(ws[i] ? [ws[i]] : [])], false));
    const t = await trendOf([c, a, b]);
    expect(t.runs.map((r) => r.path)).toEqual([a, b, c].map((f) => path.join(f, 'result.json')));
    const tie = runOf([sse[0]], runs[0].env.started_at);
    const [z, y] = [writeRun(dir, 'z', tie, [], false), writeRun(dir, 'y', tie, [], false)];
    expect((await trendOf([z, y])).runs.map((r) => r.path)).toEqual([y, z].map((f) => path.join(f, 'result.json')));
  });

  it('takes a folder of result folders, each once', async () => {
    const dir = path.join(tmp.dir, 'history');
    const folders = runs.map((r, i) => writeRun(dir, `build-${i}`, r, [sse[i], ...(ws[i] ? [ws[i]] : [])]));
    mkdirSync(path.join(dir, 'not-a-run'));
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    const t = await trendOf([dir, folders[1]]);
    expect(t.runs.map((r) => r.path)).toEqual(folders.map((f) => path.join(f, 'result.json')));
    await expect(trendOf([path.join(dir, 'not-a-run')])).rejects.toThrow(
      new ResultFileError(`${path.join(dir, 'not-a-run')}: no result.json in this folder nor in any folder in it`),
    );
  });

  it('compares from requests.jsonl where the runs have it, exactly as compare does', async () => {
    const dir = path.join(tmp.dir, 'exact');
    const [a, , c] = runs.map((r, i) => writeRun(dir, `r${i}`, r, [sse[i], ...(ws[i] ? [ws[i]] : [])]));
    const t = await trendOf([a, c]);
    const ttft = t.series.find((s) => s.variant === 'sse' && s.metric === 'ttft_ms')!;
    const viaCompare = (await compareResults(a, c)).comparisons.find(
      (x) => x.candidate_variant === 'sse' && x.metric === 'ttft_ms',
    );
    expect(ttft.points[1]!.change!.comparison.source).toBe('requests');
    expect(ttft.points[1]!.change!.comparison).toEqual(viaCompare);
  });

  it('follows a sweep step by step, each step’s variant named as compare names it', async () => {
    const sweep = (r: (typeof runs)[number], i: number) => ({
      ...r,
      variants: [],
      steps: [{ param: 'load.concurrency', value: 2, variants: [sse[i].variant], comparisons: [] }],
    });
    const t = await trendOf([sweep(runs[1], 1), sweep(runs[2], 2)], { metrics: ['ttft_ms'] });
    expect(t.series.map((s) => s.variant)).toEqual(['step1.sse']);
    expect(t.series[0].points[1]!.change!.significant).toEqual(['p50', 'p99']);
  });

  it('keeps one run, with nothing to judge', async () => {
    const t = await trendOf([runs[0]]);
    expect(t.runs).toHaveLength(1);
    expect(t.series.every((s) => s.points.length === 1 && s.points[0]!.change === undefined)).toBe(true);
  });

  it('restricts to --metric, and refuses unknown metrics and mixed scenarios', async () => {
    const t = await trendOf(runs, { metrics: ['e2e_ms', 'ttft_ms'] });
    expect(t.series.map((s) => `${s.variant}.${s.metric}`)).toEqual([
      'sse.ttft_ms',
      'sse.e2e_ms',
      'ws.ttft_ms',
      'ws.e2e_ms',
    ]);
    await expect(trendOf(runs, { metrics: ['ttft'] })).rejects.toThrow(TrendError);
    await expect(trendOf(runs, { metrics: ['ttft'] })).rejects.toThrow(
      /^--metric ttft: unknown metric \(one of ttft_ms, /,
    );
    const other = runOf([sse[0]], '2026-12-04T10:00:00.000Z', undefined, 'other');
    await expect(trendOf([...runs, other])).rejects.toThrow(
      'the result of test ran scenario "test" and the result of other "other": their numbers measure different things (add --force to follow them anyway)',
    );
    expect((await trendOf([...runs, other], { force: true })).runs).toHaveLength(4);
    await expect(trendOf([])).rejects.toThrow('no results given');
  });
});
