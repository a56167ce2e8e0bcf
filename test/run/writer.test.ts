import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { resultDirName, ResultWriteError, ResultWriter } from '../../src/run/writer.js';
import { ScenarioError } from '../../src/shared/input-error.js';
import { result, variant } from '../report/fixtures.js';

describe('resultDirName', () => {
  it('is the UTC timestamp then the name', () => {
    expect(resultDirName('quickstart', new Date('2026-11-26T04:45:01.789Z'))).toBe('20261126T044501Z-quickstart');
  });

  it('keeps names from escaping the results folder', () => {
    expect(resultDirName('../a b/c', new Date('2026-01-02T03:04:05Z'))).toBe('20260102T030405Z-.._a_b_c');
  });
});

describe('ResultWriter', () => {
  let root = '';
  afterEach(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  it('writes requests.jsonl, result.json, one .hgrm per variant and metric with data, and the reports', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'wirebench-writer-'));
    // A folder that does not exist yet: the writer creates it.
    const dir = path.join(root, 'run');
    const writer = new ResultWriter(dir);
    for (let i = 0; i < 500; i++) writer.appendRequest({ variant: i % 2 ? 'a' : 'b', i, text: 'line\nbreak "quoted"' });

    const a = new MetricSet();
    const b = new MetricSet();
    const r = result([variant('a', { ttft_ms: 1, itl_ms: 0.5 }, a), variant('b', { ttft_ms: 2 }, b)], ['w']);
    expect(
      await writer.finish(
        r,
        new Map([
          ['a', a],
          ['b', b],
        ]),
      ),
    ).toEqual({ result: r, problems: [] });

    const lines = readFileSync(path.join(dir, 'requests.jsonl'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(500);
    expect(lines.map((l) => JSON.parse(l) as { i: number }).map((x) => x.i)).toEqual([...Array(500).keys()]);

    const json = readFileSync(path.join(dir, 'result.json'), 'utf8');
    expect(json).toBe(JSON.stringify(r, null, 2) + '\n');
    expect(JSON.parse(json)).toEqual(r);

    expect(readdirSync(dir).sort()).toEqual([
      'a.itl_ms.hgrm',
      'a.ttft_ms.hgrm',
      'b.ttft_ms.hgrm',
      'report.html',
      'report.md',
      'requests.jsonl',
      'result.json',
    ]);
    expect(readFileSync(path.join(dir, 'a.ttft_ms.hgrm'), 'utf8')).toMatch(
      /Value\s+Percentile[\s\S]*Total count\s+=\s+3\]/,
    );
  });

  it('reports a failed requests.jsonl from finish instead of crashing', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'wirebench-writer-'));
    const writer = new ResultWriter(path.join(root, 'run'));
    // The stream opens its file asynchronously: removing the folder now makes that open fail.
    rmSync(path.join(root, 'run'), { recursive: true });
    writer.appendRequest({ i: 0 });
    await expect(writer.finish(result([]), new Map())).rejects.toThrow(/ENOENT/);
  });

  it('a report that cannot be written is a message, not a lost result', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'wirebench-writer-'));
    const dir = path.join(root, 'run');
    const writer = new ResultWriter(dir);
    // A folder where the HTML report should go: writing it fails (EISDIR).
    mkdirSync(path.join(dir, 'report.html'));
    const { problems } = await writer.finish(result([variant('a', { ttft_ms: 1 })]), new Map());
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/the reports were not written \(EISDIR.*`wirebench report /);
    expect(existsSync(path.join(dir, 'result.json'))).toBe(true);
  });

  it('keeps result.json when requests.jsonl cannot be written, says so, and leaves no temporary file', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'wirebench-writer-'));
    const dir = path.join(root, 'run');
    mkdirSync(path.join(dir, 'requests.jsonl'), { recursive: true });
    const writer = new ResultWriter(dir, (t) => t.replaceAll('sk-secret', '[redacted]'));
    await new Promise((r) => setTimeout(r, 50));
    // The run polls this to stop scheduling at the first failed write.
    expect(writer.failure).toMatch(/cannot write .*requests\.jsonl \(EISDIR\)/);
    const r = result([variant('a', { ttft_ms: 1 })], ['key sk-secret']);
    const err = (await writer.finish(r, new Map()).catch((e: unknown) => e)) as ResultWriteError;
    expect(err).toBeInstanceOf(ResultWriteError);
    expect(err.message).toMatch(/requests\.jsonl \(EISDIR\)/);
    // What the CLI prints from: the result, scrubbed as the files are.
    expect(err.result.warnings).toEqual(['key [redacted]']);
    expect(JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8'))).toEqual(err.result);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('never leaves a half-written result.json: a failed write keeps the old file or none', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'wirebench-writer-'));
    const dir = path.join(root, 'run');
    const writer = new ResultWriter(dir);
    // A folder where result.json should go: the rename over it fails, and the temporary file is removed.
    mkdirSync(path.join(dir, 'result.json'));
    await expect(writer.finish(result([]), new Map())).rejects.toThrow(/cannot write .*result\.json \(EISDIR\)/);
    expect(readdirSync(dir).sort()).toEqual(['requests.jsonl', 'result.json']);
  });

  it('clears an earlier run’s files from a reused folder, and only those', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'wirebench-writer-'));
    const dir = path.join(root, 'run');
    mkdirSync(dir);
    const earlier = ['old.ttft_ms.hgrm', 'step2.ws.hlog', 'result.json', 'report.html', 'report.md'];
    for (const f of [...earlier, 'notes.txt', 'ttft_ms.hgrm.bak']) writeFileSync(path.join(dir, f), 'x');
    const writer = new ResultWriter(dir);
    for (const f of earlier) expect(existsSync(path.join(dir, f)), f).toBe(false);
    expect(existsSync(path.join(dir, 'notes.txt')) && existsSync(path.join(dir, 'ttft_ms.hgrm.bak'))).toBe(true);
    await writer.finish(result([]), new Map());
  });

  it('puts requests.jsonl on disk within a flush interval, before the run ends', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'wirebench-writer-'));
    const dir = path.join(root, 'run');
    const writer = new ResultWriter(dir);
    writer.appendRequest({ i: 0 });
    writer.appendLines('{"i":1}\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(path.join(dir, 'requests.jsonl'), 'utf8')).toBe('{"i":0}\n{"i":1}\n');
    await writer.finish(result([]), new Map());
  });

  it('an --out that cannot be a folder is a usage error naming the flag', () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'wirebench-writer-'));
    const file = path.join(root, 'taken');
    writeFileSync(file, '');
    expect(() => new ResultWriter(file)).toThrow(ScenarioError);
    expect(() => new ResultWriter(file)).toThrow(/--out: cannot create the result folder .*taken \(EEXIST\)/);
  });
});
