import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { type Histogram, newHistogram } from '../../src/metrics/histogram.js';
import { intervalLine, logHeader } from '../../src/metrics/interval-log-format.js';
import { ReportInputError } from '../../src/report/hlog-series.js';
import { mergeIntervalLogs } from '../../src/run/merge-hlog.js';
import { expectSameHistogram, readHdrLog, sumOf } from '../metrics/hlog.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'wirebench-merge-hlog-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A seeded histogram of n values around `around` µs (values recorded as round(ms × 1000)). */
function hist(seed: number, n: number, around: number): Histogram {
  const h = newHistogram();
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    h.recordValue(around + (x % around));
  }
  return h;
}

interface Interval {
  tag: string;
  start: number;
  length: number;
  h: Histogram;
}

function writeLog(dir: string, key: string, epochMs: number, intervals: Interval[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, `${key}.hlog`),
    logHeader(key, epochMs) + intervals.map((i) => intervalLine(i.tag, i.start, i.length, i.h)).join(''),
  );
}

describe('merge of the shards’ interval logs', () => {
  it('adds every interval into the window of the earliest StartTime that holds its middle, exactly', async () => {
    const dir = path.join(root, 'exact');
    // Shard 1 starts at t = 1000 s; shard 2 at 1000.4 s, so its intervals sit 0.4 s later on the merged
    // clock: middles at 0.9, 1.9, 2.9 → windows 0, 1, 2. A metric only shard 2 has (queue_ms) still merges.
    const a: Interval[] = [0, 1, 2].flatMap((k) => [
      { tag: 'ttft_ms', start: k, length: 1, h: hist(k + 1, 200, 50_000) },
      { tag: 'itl_ms', start: k, length: 1, h: hist(k + 11, 900, 2_000) },
    ]);
    const b: Interval[] = [0, 1, 2].flatMap((k) => [
      { tag: 'itl_ms', start: k, length: 1, h: hist(k + 21, 700, 3_000) },
      { tag: 'ttft_ms', start: k, length: 1, h: hist(k + 31, 150, 80_000) },
      ...(k === 1 ? [{ tag: 'queue_ms', start: k, length: 1, h: hist(41, 30, 1_000) }] : []),
    ]);
    writeLog(path.join(dir, 's1'), 'step0.ws', 1_000_000, a);
    writeLog(path.join(dir, 's2'), 'step0.ws', 1_000_400, b);
    const out = await mergeIntervalLogs(
      [path.join(dir, 's1'), path.join(dir, 's2')],
      ['step0.ws', 'step0.sse'],
      dir,
      'merged',
    );
    expect(out).toEqual({ files: { 'step0.ws': 'merged.step0.ws.hlog' }, warnings: [] });

    const log = readHdrLog(path.join(dir, 'merged.step0.ws.hlog'));
    expect(log.startTimeS).toBe(1000);
    expect(log.header[0]).toBe('#[Logged with wirebench: merge of 2 shards, step0.ws]');
    for (const k of [0, 1, 2]) {
      for (const tag of ['ttft_ms', 'itl_ms']) {
        const got = log.intervals.filter((i) => i.tag === tag && i.startS === k);
        expect(
          got.map((i) => i.lengthS),
          `${tag} window ${k}`,
        ).toEqual([1]);
        const want = newHistogram();
        want.add(a.find((i) => i.tag === tag && i.start === k)!.h);
        want.add(b.find((i) => i.tag === tag && i.start === k)!.h);
        expectSameHistogram(got[0].h, want, `${tag} window ${k}`);
      }
    }
    expect(log.intervals.filter((i) => i.tag === 'queue_ms').map((i) => i.startS)).toEqual([1]);
    // Nothing lost or counted twice: each metric's windows add up to every shard interval of it.
    for (const tag of ['ttft_ms', 'itl_ms', 'queue_ms']) {
      const all = newHistogram();
      for (const i of [...a, ...b]) if (i.tag === tag) all.add(i.h);
      expectSameHistogram(sumOf(log.intervals, tag), all, tag);
    }
  });

  it('a late shard’s intervals keep their time: windows follow the merged clock, idle gaps stay gaps', async () => {
    const dir = path.join(root, 'late');
    const h = (s: number) => hist(s, 50, 10_000);
    writeLog(
      path.join(dir, 's1'),
      'x',
      5_000_000,
      [0, 1].map((k) => ({ tag: 'e2e_ms', start: k * 0.5, length: 0.5, h: h(k + 1) })),
    );
    // Starts 3.1 s later and ticks at the same 0.5 s: middles 3.35 and 3.85 → windows 6 and 7.
    writeLog(
      path.join(dir, 's2'),
      'x',
      5_003_100,
      [0, 1].map((k) => ({ tag: 'e2e_ms', start: k * 0.5, length: 0.5, h: h(k + 5) })),
    );
    await mergeIntervalLogs([path.join(dir, 's1'), path.join(dir, 's2')], ['x'], dir, 'm');
    expect(readHdrLog(path.join(dir, 'm.x.hlog')).intervals.map((i) => [i.startS, i.lengthS, i.h.totalCount])).toEqual([
      [0, 0.5, 50],
      [0.5, 0.5, 50],
      [3, 0.5, 50],
      [3.5, 0.5, 50],
    ]);
  });

  it('takes the interval from a shard that measured something when the first measured nothing', async () => {
    const dir = path.join(root, 'empty-first');
    writeLog(path.join(dir, 's1'), 'x', 7_000_000, []);
    writeLog(
      path.join(dir, 's2'),
      'x',
      7_000_000,
      [0, 1, 2].map((k) => ({ tag: 'e2e_ms', start: k * 0.2, length: 0.2, h: hist(k + 1, 20, 5_000) })),
    );
    await mergeIntervalLogs([path.join(dir, 's1'), path.join(dir, 's2')], ['x'], dir, 'm');
    expect(readHdrLog(path.join(dir, 'm.x.hlog')).intervals.map((i) => [i.startS, i.lengthS, i.h.totalCount])).toEqual([
      [0, 0.2, 20],
      [0.2, 0.2, 20],
      [0.4, 0.2, 20],
    ]);
  });

  it('merges nothing for a variant some shard has no log of, and says so', async () => {
    const dir = path.join(root, 'partial');
    writeLog(path.join(dir, 's1'), 'ws', 1_000_000, [{ tag: 'ttft_ms', start: 0, length: 1, h: hist(1, 10, 1000) }]);
    mkdirSync(path.join(dir, 's2'));
    const out = await mergeIntervalLogs([path.join(dir, 's1'), path.join(dir, 's2')], ['ws'], dir, 'merged');
    expect(out.files).toEqual({});
    expect(out.warnings).toEqual([expect.stringMatching(/^ws: only 1 of 2 shards wrote an interval log/)]);
  });

  it('names the file and line of a damaged interval', async () => {
    const dir = path.join(root, 'damaged');
    writeLog(path.join(dir, 's1'), 'ws', 1_000_000, [{ tag: 'ttft_ms', start: 0, length: 1, h: hist(1, 10, 1000) }]);
    writeLog(path.join(dir, 's2'), 'ws', 1_000_000, [{ tag: 'ttft_ms', start: 0, length: 1, h: hist(2, 10, 1000) }]);
    // Line 10: eight header lines, one good interval, then this one.
    appendFileSync(path.join(dir, 's2', 'ws.hlog'), 'Tag=ttft_ms,1.000,1.000,1.000,HISTFAAAAnotbase64\n');
    const merging = mergeIntervalLogs([path.join(dir, 's1'), path.join(dir, 's2')], ['ws'], dir, 'merged');
    await expect(merging).rejects.toThrow(ReportInputError);
    await expect(merging).rejects.toThrow(`${path.join(dir, 's2', 'ws.hlog')}:10: not an HdrHistogram interval`);
    // No half-written log left to pass for the merge (nor a stream still opening it).
    expect(existsSync(path.join(dir, 'merged.ws.hlog'))).toBe(false);
  });
});
