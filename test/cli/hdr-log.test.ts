import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeHistogram } from '../../src/metrics/histogram.js';
import { expectSameHistogram, type HdrLog, readHdrLog, sumOf } from '../metrics/hlog.js';
import { assertBuilt, explain, fixture, type Json, readResult, runCli, startCli, tempDir, waitFor } from './helpers.js';

const tmp = tempDir();
beforeAll(assertBuilt);
afterAll(tmp.cleanup);

// Two variants of 60 requests in blocks of 20: they take turns, so each has idle stretches.
const scenario = (extra = ''): string => `name: hdr-log
target: embedded
server: { ttft_ms: 20, tps: 2000, output_tokens: 40, http_overhead_ms: 2, ws_overhead_ms: 1, seed: 1, stamp: true }
request: { model: wirebench-ref, prompt_tokens: 16, max_output_tokens: 40 }
variants:
  - { name: http-keepalive, protocol: openai-responses, connection: http-keepalive }
  - { name: ws-persistent, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 2, requests: 60, warmup: 2 }
${extra}`;

async function run(name: string, yaml: string, args: string[]): Promise<{ dir: string; result: Json }> {
  const file = path.join(tmp.dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  const dir = path.join(tmp.dir, name);
  const o = await runCli(['run', file, '--out', dir, '--quiet', ...args], { timeoutMs: 60_000 });
  expect(o.code, explain(o)).toBe(0);
  return { dir, result: readResult(dir) };
}

/**
 * What every `.hlog` of a run must satisfy against its result.json: one tag per metric with data, whose
 * interval histograms add up exactly to the variant's whole histogram, at increasing, non-overlapping
 * times inside the run.
 */
function checkAgainstResult(log: HdrLog, variant: Json, result: Json): void {
  const metrics = Object.keys(variant.metrics);
  expect(log.tags.sort()).toEqual([...metrics].sort());
  for (const m of metrics) {
    expectSameHistogram(sumOf(log.intervals, m), decodeHistogram(variant.metrics[m].hdr), `${variant.name} ${m}`);
    const times = log.intervals.filter((i) => i.tag === m);
    for (const [k, i] of times.entries()) {
      expect(i.h.totalCount).toBeGreaterThan(0);
      expect(i.lengthS).toBeGreaterThan(0);
      if (k > 0) expect(i.startS).toBeGreaterThanOrEqual(times[k - 1].startS + times[k - 1].lengthS - 0.0015);
    }
  }
  const runS = (Date.parse(result.env.ended_at) - Date.parse(result.env.started_at)) / 1000;
  const last = log.intervals.at(-1)!;
  expect(last.startS + last.lengthS).toBeLessThanOrEqual(runS + 0.01);
  expect(log.startTimeS * 1000).toBeGreaterThanOrEqual(Date.parse(result.env.started_at) - 1);
}

describe('wirebench run --hdr-log', () => {
  it('with workers, adds their logs into one per variant that adds up to result.json', async () => {
    const { dir, result } = await run('workers', scenario(), ['--hdr-log', '0.2', '--workers', '2']);
    // The workers' own folders are gone once their logs are merged.
    expect(readdirSync(dir).filter((f) => f.endsWith('.hlog') || f.startsWith('.worker'))).toEqual([
      'http-keepalive.hlog',
      'ws-persistent.hlog',
    ]);
    for (const variant of result.variants) {
      const log = readHdrLog(path.join(dir, `${variant.name}.hlog`));
      expect(log.header[0]).toBe(`#[Logged with wirebench: merge of 2 workers, ${variant.name}]`);
      checkAgainstResult(log, variant, result);
    }
  });

  it('writes <variant>.hlog interval logs that add up to result.json', async () => {
    const { dir, result } = await run('plain', scenario(), ['--hdr-log', '0.2']);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.hlog'))
        .sort(),
    ).toEqual(['http-keepalive.hlog', 'ws-persistent.hlog']);
    for (const variant of result.variants) {
      const log = readHdrLog(path.join(dir, `${variant.name}.hlog`));
      expect(log.header[0]).toBe(`#[Logged with wirebench: ${variant.name}]`);
      expect(log.header.at(-1)).toBe(
        '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
      );
      checkAgainstResult(log, variant, result);
      // 0.2 s ticks over a run of seconds: several intervals per metric, and a gap of a tick or more
      // while the other variant had its turn.
      const itl = log.intervals.filter((i) => i.tag === 'itl_ms');
      expect(itl.length).toBeGreaterThan(2);
      expect(itl.some((i, k) => k > 0 && i.startS > itl[k - 1].startS + itl[k - 1].lengthS + 0.1)).toBe(true);
    }
  });

  it('writes none without the flag, and takes 1 s when the flag has no value', async () => {
    const dir = path.join(tmp.dir, 'none');
    const o = await runCli(['run', fixture('small.yaml'), '--out', dir, '--quiet']);
    expect(o.code, explain(o)).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.hlog'))).toEqual([]);
    const preset = await run('preset', scenario(), ['--hdr-log']);
    const log = readHdrLog(path.join(preset.dir, 'http-keepalive.hlog'));
    // Every interval is one timer period long but the first (from the file's start to the first tick)
    // and the last, partial one.
    const starts = log.intervals.map((i) => i.startS);
    const inner = log.intervals.filter((i) => i.startS > Math.min(...starts) && i.startS < Math.max(...starts));
    expect(inner.length).toBeGreaterThan(0);
    for (const i of inner) expect(i.lengthS).toBeGreaterThan(0.9);
  });

  it('refuses an interval that is not a positive number', async () => {
    const o = await runCli(['run', fixture('small.yaml'), '--hdr-log', '0', '--out', path.join(tmp.dir, 'bad')]);
    expect(o.code, explain(o)).toBe(2);
    expect(o.stderr).toMatch(/--hdr-log must be a number >= 0\.1/);
    // Before the scenario, the optional value swallows the file name: the message says so.
    const swallowed = await runCli(['run', '--hdr-log', fixture('small.yaml'), '--out', path.join(tmp.dir, 'bad')]);
    expect(swallowed.code, explain(swallowed)).toBe(2);
    expect(swallowed.stderr).toContain('put the flag after the scenario file for the default 1 s');
  });

  it('writes one file per sweep step, named like the .hgrm files, on one clock', async () => {
    const { dir, result } = await run(
      'sweep',
      scenario('sweep: { param: request.max_output_tokens, values: [10, 20] }').replace('requests: 60', 'requests: 20'),
      ['--hdr-log', '0.2'],
    );
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.hlog'))
      .sort();
    expect(files).toEqual([
      'step1.http-keepalive.hlog',
      'step1.ws-persistent.hlog',
      'step2.http-keepalive.hlog',
      'step2.ws-persistent.hlog',
    ]);
    for (const [k, step] of result.steps.entries()) {
      for (const variant of step.variants) {
        const file = `step${k + 1}.${variant.name}`;
        expect(existsSync(path.join(dir, `${file}.itl_ms.hgrm`))).toBe(true);
        checkAgainstResult(readHdrLog(path.join(dir, `${file}.hlog`)), variant, result);
      }
    }
    const end = (f: string): number =>
      readHdrLog(path.join(dir, f)).intervals.reduce((t, i) => Math.max(t, i.startS + i.lengthS), 0);
    const start = (f: string): number => readHdrLog(path.join(dir, f)).intervals[0].startS;
    expect(start('step2.http-keepalive.hlog')).toBeGreaterThanOrEqual(end('step1.http-keepalive.hlog') - 0.0015);
  });

  it('merge adds the shards’ logs on one clock, beside the merged result, and its report draws them', async () => {
    const yaml = path.join(tmp.dir, 'shards.yaml');
    writeFileSync(yaml, scenario());
    const dirs = ['s1', 's2'].map((d) => path.join(tmp.dir, d));
    const runs = await Promise.all(
      ['1/2', '2/2'].map((s, i) =>
        runCli(['run', yaml, '--shard', s, '--out', dirs[i], '--quiet', '--hdr-log', '0.2'], { timeoutMs: 60_000 }),
      ),
    );
    for (const o of runs) expect(o.code, explain(o)).toBe(0);
    const shardLogs = dirs.map((d) => readFileSync(path.join(d, 'ws-persistent.hlog'), 'utf8'));
    // Into a shard's own folder: the merged logs are named after the merged result, never the shard's.
    const out = path.join(dirs[0], 'merged.json');
    const o = await runCli(['merge', ...dirs, '--out', out, '--quiet']);
    expect(o.code, explain(o)).toBe(0);
    expect(dirs.map((d) => readFileSync(path.join(d, 'ws-persistent.hlog'), 'utf8'))).toEqual(shardLogs);
    const merged = JSON.parse(readFileSync(out, 'utf8'));
    expect(merged.interval_logs).toEqual({
      'http-keepalive': 'merged.http-keepalive.hlog',
      'ws-persistent': 'merged.ws-persistent.hlog',
    });
    const starts = dirs.map((d) => readHdrLog(path.join(d, 'ws-persistent.hlog')).startTimeS);
    for (const variant of merged.variants) {
      const log = readHdrLog(path.join(dirs[0], merged.interval_logs[variant.name]));
      expect(log.startTimeS).toBe(Math.min(...starts));
      // The merged windows add up to the merged histograms exactly: every shard sample, once.
      for (const m of Object.keys(variant.metrics)) {
        expectSameHistogram(sumOf(log.intervals, m), decodeHistogram(variant.metrics[m].hdr), `${variant.name} ${m}`);
      }
    }
    const html = path.join(tmp.dir, 'merged.html');
    const r = await runCli(['report', out, '--html', html]);
    expect(r.code, explain(r)).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('id="interval-itl_ms-');
  });

  it('ends the logs of a run stopped with Ctrl-C with its last partial interval', async () => {
    const dir = path.join(tmp.dir, 'stopped');
    const run = startCli(['run', fixture('long.yaml'), '--out', dir, '--hdr-log', '0.2'], { timeoutMs: 25_000 });
    const jsonl = path.join(dir, 'requests.jsonl');
    await waitFor(
      () => existsSync(jsonl) && readFileSync(jsonl, 'utf8').split('\n').length > 5,
      15_000,
      'requests.jsonl to fill',
    );
    run.child.kill('SIGINT');
    const o = await run.done;
    expect(o.code, explain(o)).toBe(130);
    const result = readResult(dir);
    expect(result.complete).toBe(false);
    for (const variant of result.variants.filter((v: Json) => Object.keys(v.metrics).length > 0)) {
      checkAgainstResult(readHdrLog(path.join(dir, `${variant.name}.hlog`)), variant, result);
    }
  });
});
