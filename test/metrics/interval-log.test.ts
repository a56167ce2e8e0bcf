import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { type MetricName, METRICS } from '../../src/core/catalog.js';
import { COUNTS_LENGTH, histogramFromCounts } from '../../src/metrics/histogram.js';
import { diffCounts, IntervalLog, IntervalLogs, type LogMessage } from '../../src/metrics/interval-log.js';
import { MetricSet } from '../../src/metrics/metric-set.js';
import { expectSameHistogram, readHdrLog, sumOf } from './hlog.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wirebench-hlog-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A clock that moves only when told: ticks land exactly where a test puts them. */
function fakeClock(start: number): { now: () => number; at: (t: number) => void } {
  let t = start;
  return { now: () => t, at: (next) => (t = next) };
}

describe('diffCounts', () => {
  it('finds exactly the buckets that grew, and brings the snapshot up to date', () => {
    const bump = fc.tuple(fc.integer({ min: 0, max: COUNTS_LENGTH - 1 }), fc.integer({ min: 1, max: 1000 }));
    fc.assert(
      fc.property(
        fc.array(bump, { maxLength: 50 }),
        fc.array(bump, { minLength: 1, maxLength: 50 }),
        (before, after) => {
          const counts = new Uint32Array(COUNTS_LENGTH);
          for (const [i, c] of before) counts[i] += c;
          const snapshot = counts.slice();
          const expected = new Map<number, number>();
          for (const [i, c] of after) {
            counts[i] += c;
            expected.set(i, (expected.get(i) ?? 0) + c);
          }
          const added = after.reduce((n, [, c]) => n + c, 0);
          const { index, count } = diffCounts(counts, snapshot, added);
          expect(new Map([...index].map((i, j) => [i, count[j]]))).toEqual(expected);
          // Not toEqual: a deep comparison of 23552 elements a run would take the test seconds.
          expect(snapshot.every((c, i) => c === counts[i])).toBe(true);
        },
      ),
    );
  });

  it('does not miss a bucket pair whose bits read as -0 in the two-at-a-time pass', () => {
    // Counts 0 and 2^31 side by side are the bits of -0, which compares equal to the snapshot's +0.
    const counts = new Uint32Array(COUNTS_LENGTH);
    counts[7] = 2 ** 31;
    counts[100] = 1;
    const { index, count } = diffCounts(counts, new Uint32Array(COUNTS_LENGTH), 2 ** 31 + 1);
    expect([...index].sort((a, b) => a - b)).toEqual([7, 100]);
    expect(count[[...index].indexOf(7)]).toBe(2 ** 31);
  });

  it('reports nothing for an unchanged pair whose bits are a NaN', () => {
    const counts = new Uint32Array(COUNTS_LENGTH);
    counts[10] = 1;
    counts[11] = 0x7ff80000;
    const snapshot = counts.slice();
    counts[500] = 3;
    const { index, count } = diffCounts(counts, snapshot, 3);
    expect([...index]).toEqual([500]);
    expect([...count]).toEqual([3]);
  });

  it('counts modulo 2^32, as the buckets do', () => {
    const snapshot = new Uint32Array(COUNTS_LENGTH);
    snapshot[3] = 2 ** 32 - 1;
    const counts = snapshot.slice();
    counts[3] = 1;
    expect([...diffCounts(counts, snapshot, 2).count]).toEqual([2]);
  });
});

describe('IntervalLog', () => {
  const origin = { epochMs: 0, at: 1e9 };

  it('posts one sparse diff per metric with new samples, timed by the ticks', () => {
    const set = new MetricSet();
    const posted: LogMessage[] = [];
    const log = new IntervalLog(0, set, origin, 1e9, (msg) => posted.push(msg));
    set.record('e2e_ms', 300);
    set.record('ttft_ms', 150);
    set.record('ttft_ms', 150.0004);
    log.tick(2e9);
    log.tick(3e9); // idle: nothing new
    set.record('ttft_ms', 151);
    log.close(3.5e9);
    expect(posted.map((m) => (m.op === 'interval' ? [m.startS, m.lengthS, m.diffs.map((d) => d.tag)] : m.op))).toEqual([
      [0, 1, ['ttft_ms', 'e2e_ms']],
      [2, 0.5, ['ttft_ms']],
      'close',
    ]);
    const first = posted[0];
    if (first.op !== 'interval') throw new Error('not an interval');
    // 150 and 150.0004 ms are 150000 and 150000 µs: one bucket, two samples.
    expect(first.diffs.map((d) => [d.index.length, [...d.count]])).toEqual([
      [1, [2]],
      [1, [1]],
    ]);
  });

  it("adds up, interval by interval, to the whole run's histogram", () => {
    const step = fc.oneof(
      fc.record({
        metric: fc.constantFrom<MetricName>('ttft_ms', 'itl_ms', 'decode_tps'),
        value: fc.double({ min: 0, max: 3_600_000, noNaN: true }),
      }),
      fc.constant('tick' as const),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const set = new MetricSet();
        const sums = new Map<string, Uint32Array>();
        let t = 1e9;
        const log = new IntervalLog(0, set, origin, t, (msg) => {
          if (msg.op !== 'interval') return;
          for (const d of msg.diffs) {
            expect(d.index.length).toBeGreaterThan(0);
            const sum = sums.get(d.tag) ?? new Uint32Array(COUNTS_LENGTH);
            d.index.forEach((i, j) => (sum[i] += d.count[j]));
            sums.set(d.tag, sum);
          }
        });
        for (const s of steps) {
          if (s === 'tick') log.tick((t += 1e9));
          else set.record(s.metric, s.value);
        }
        log.close(t + 1);
        const recorded = set.recorded();
        expect([...sums.keys()].sort()).toEqual(recorded.map(([name]) => name).sort());
        for (const [name, h] of recorded) expectSameHistogram(histogramFromCounts(sums.get(name)!), h, name);
      }),
      { numRuns: 50 },
    );
  });
});

// These run the worker thread from the build (see workerFile in interval-log.ts): `npm run build` first.
describe('IntervalLogs', () => {
  it('writes a Java-format interval log per MetricSet that adds up to the whole histograms', async () => {
    const clock = fakeClock(5e9);
    const before = Date.now();
    const logs = new IntervalLogs(tmp, 3600, clock);
    const [busy, idle] = [new MetricSet(), new MetricSet()];
    logs.start('step1.busy', busy);
    logs.start('idle', idle);
    for (let i = 0; i < 1000; i++) busy.record('itl_ms', 0.5 + (i % 37) * 0.11);
    busy.record('ttft_ms', 151.25);
    clock.at(6.25e9);
    logs.tick();
    for (let i = 0; i < 10; i++) busy.record('itl_ms', 2000 + i);
    clock.at(7.5e9);
    logs.tick();
    clock.at(8e9);
    logs.tick(); // nothing new: no line
    busy.record('ttft_ms', 149);
    clock.at(8.1e9);
    await logs.close();

    const log = readHdrLog(path.join(tmp, 'step1.busy.hlog'));
    expect(log.header).toEqual([
      '#[Logged with wirebench: step1.busy]',
      '#[Histogram log format version 1.3]',
      expect.stringMatching(
        /^#\[StartTime: \d+\.\d{3} \(seconds since epoch\), \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\]$/,
      ),
      `#[BaseTime: ${log.startTimeS.toFixed(3)} (seconds since epoch)]`,
      expect.stringMatching(/^#\[Values: round\(value x 1000\) .*integer microseconds for the _ms metrics/),
      expect.stringMatching(
        /^#\[Interval_Max: the interval's max \/ 1000, in the metric's own unit\. .*-outputValueUnitRatio 1000\]$/,
      ),
      expect.stringMatching(/^#\[StartTimestamp: seconds since StartTime/),
      '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
    ]);
    expect(log.startTimeS * 1000).toBeGreaterThanOrEqual(before - 1);
    expect(log.startTimeS * 1000).toBeLessThanOrEqual(Date.now());
    expect(log.header[2]).toContain(new Date(Math.round(log.startTimeS * 1000)).toISOString());
    expect(log.tags).toEqual(['ttft_ms', 'itl_ms']);
    expect(log.intervals.map((i) => [i.tag, i.startS, i.lengthS, i.h.totalCount])).toEqual([
      ['ttft_ms', 0, 1.25, 1],
      ['itl_ms', 0, 1.25, 1000],
      ['itl_ms', 1.25, 1.25, 10],
      ['ttft_ms', 3, 0.1, 1],
    ]);
    // Interval_Max is the interval's max in ms: the highest value of its µs bucket, / 1000.
    expect(log.intervals.map((i) => i.max)).toEqual(log.intervals.map((i) => Number((i.h.maxValue / 1000).toFixed(3))));
    expect(log.intervals[2].max).toBeCloseTo(2009, 0);
    for (const name of ['ttft_ms', 'itl_ms'] as const)
      expectSameHistogram(sumOf(log.intervals, name), busy.histogram(name), name);

    const quiet = readHdrLog(path.join(tmp, 'idle.hlog'));
    expect(quiet.header).toHaveLength(8);
    expect(quiet.intervals).toEqual([]);
    expect(quiet.startTimeS).toBe(log.startTimeS);
  });

  it('closes a set of files at the end of a sweep step and opens the next step on the same clock', async () => {
    const clock = fakeClock(0);
    const logs = new IntervalLogs(tmp, 3600, clock);
    const [a, b] = [new MetricSet(), new MetricSet()];
    logs.start('step1.a', a);
    a.record('e2e_ms', 10);
    clock.at(2e9);
    logs.closeFiles();
    a.record('e2e_ms', 10); // after its step: belongs to no file
    logs.start('step2.a', b);
    clock.at(3e9);
    b.record('e2e_ms', 20);
    await logs.close();
    expect(
      readHdrLog(path.join(tmp, 'step1.a.hlog')).intervals.map((i) => [i.startS, i.lengthS, i.h.totalCount]),
    ).toEqual([[0, 2, 1]]);
    expect(
      readHdrLog(path.join(tmp, 'step2.a.hlog')).intervals.map((i) => [i.startS, i.lengthS, i.h.totalCount]),
    ).toEqual([[2, 1, 1]]);
    await logs.close(); // once is enough; again is harmless
  });

  it('ticks on its own timer, every interval', async () => {
    const logs = new IntervalLogs(tmp, 0.05);
    const set = new MetricSet();
    logs.start('timed', set);
    const until = Date.now() + 400;
    while (Date.now() < until) {
      set.record('itl_ms', 1);
      await new Promise((r) => setTimeout(r, 5));
    }
    await logs.close();
    const { intervals } = readHdrLog(path.join(tmp, 'timed.hlog'));
    expect(intervals.length).toBeGreaterThanOrEqual(4);
    for (const [k, i] of intervals.entries()) {
      expect(i.lengthS).toBeGreaterThan(0);
      if (k > 0) expect(i.startS).toBeCloseTo(intervals[k - 1].startS + intervals[k - 1].lengthS, 2);
    }
    expectSameHistogram(sumOf(intervals, 'itl_ms'), set.histogram('itl_ms'), 'itl_ms');
  });

  it('reports a file it could not write when closing, and still writes the others', async () => {
    const clock = fakeClock(0);
    const logs = new IntervalLogs(tmp, 3600, clock);
    const [lost, kept] = [new MetricSet(), new MetricSet()];
    logs.start('no-such-dir/lost', lost);
    lost.record('ttft_ms', 1);
    clock.at(1e9);
    logs.closeFiles();
    logs.start('kept', kept);
    // Long enough for the worker to have seen the failed file's end before anything else happens.
    await new Promise((r) => setTimeout(r, 200));
    kept.record('ttft_ms', 2);
    clock.at(2e9);
    await expect(logs.close()).rejects.toThrow(/writing the \.hlog files failed: .*ENOENT/);
    expect(readHdrLog(path.join(tmp, 'kept.hlog')).intervals.map((i) => [i.tag, i.startS, i.h.totalCount])).toEqual([
      ['ttft_ms', 1, 1],
    ]);
  });

  it('covers every catalog metric, in catalog order', async () => {
    const clock = fakeClock(0);
    const logs = new IntervalLogs(tmp, 3600, clock);
    const set = new MetricSet();
    logs.start('all', set);
    for (const name of [...METRICS].reverse()) set.record(name, 42);
    clock.at(1e9);
    await logs.close();
    expect(readHdrLog(path.join(tmp, 'all.hlog')).tags).toEqual([...METRICS]);
  });
});
