import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { PER_REQUEST_METRICS } from '../../src/metrics/request-metrics.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { VariantRecorder } from '../../src/metrics/variant-recorder.js';
import type { RequestLine } from '../../src/result/requests/line.js';
import { compareMetric } from '../../src/stats/compare.js';
import {
  NOT_PER_REQUEST,
  readRequestSamples,
  SAMPLE_BUDGET,
  SAMPLE_CAP,
  SampleMemory,
  VariantSamples,
} from '../../src/stats/request-samples.js';
import { tempDir } from '../cli/helpers.js';
import { lineText } from '../result/line-fixture.js';

const MS = 1e6;
const RUN = 5_000 * MS;

interface Shape {
  at: number;
  /** Open loop: how late the request started, ms. */
  late?: number;
  deltas?: number;
  /** ms between deltas. */
  gap?: number;
  connect?: boolean;
  channel?: 'text' | 'reasoning';
  usage?: [output: number, reasoning?: number];
}

/** A request on whole microseconds (as requests.jsonl keeps them), so the lines lose nothing. */
function request({ at, late = 0, deltas = 5, gap = 7.013, connect = false, channel = 'text', usage }: Shape): Timeline {
  const start = RUN + at * MS;
  const tl = new Timeline(start - late * MS, start);
  if (connect) {
    tl.connStart = start + 0.011 * MS;
    tl.dnsEnd = start + 1.234 * MS;
    tl.connectEnd = start + 2.5 * MS;
    tl.tlsEnd = start + 6.007 * MS;
    tl.upgradeSent = start + 6.1 * MS;
    tl.upgraded = start + 8.333 * MS;
  }
  tl.firstByte = start + 20.001 * MS;
  tl.ack(start + 21.002 * MS);
  for (let k = 0; k < deltas; k++) tl.delta(start + (100.123 + gap * k) * MS, channel, ' x', undefined);
  if (usage !== undefined) tl.usage(3, usage[0], usage[1]);
  return tl;
}

const done = (tl: Timeline): Timeline => (tl.done(tl.lastDelta + 0.5 * MS, 'r'), tl);

/** Commits the timelines through a VariantRecorder: its histograms, and its lines as a reader parses them. */
function record(timelines: [Timeline, boolean?][]): { metrics: MetricSet; lines: RequestLine[] } {
  const lines: RequestLine[] = [];
  const rec = new VariantRecorder('v', RUN, undefined, (l) => lines.push(JSON.parse(JSON.stringify(l)) as RequestLine));
  timelines.forEach(([tl, warmup = false], i) => rec.commit(tl, i, warmup, tl.intended));
  return { metrics: rec.metrics, lines };
}

function samplesOf(lines: readonly RequestLine[], cap?: number): VariantSamples {
  const s = new VariantSamples(cap === undefined ? undefined : new SampleMemory(cap));
  for (const l of lines) s.add(l);
  return s;
}

describe('per-request samples from requests.jsonl lines', () => {
  it('reproduce exactly what the recorder put in its histograms, counting what it counts', () => {
    const retried = request({ at: 40 });
    retried.error(retried.lastDelta, 'reset', 'ECONNRESET', 'gone');
    retried.retried = true;
    const stopped = request({ at: 50 });
    stopped.interrupted = true;
    const stoppedAfterDone = done(request({ at: 55 }));
    stoppedAfterDone.interrupted = true;
    const failed = request({ at: 60 });
    failed.error(failed.lastDelta, 'server_error', '500', 'late failure');
    const cancelled = request({ at: 70, deltas: 3 });
    cancelled.cancel(cancelled.lastDelta);
    const { metrics, lines } = record([
      [done(request({ at: 0, connect: true, usage: [5] }))],
      [done(request({ at: 10, late: 3.5, usage: [5] }))],
      [done(request({ at: 20, connect: true })), true],
      [done(request({ at: 30, deltas: 1, usage: [1] }))],
      [retried],
      [stopped],
      [stoppedAfterDone],
      [failed],
      [cancelled],
      [done(request({ at: 80, channel: 'reasoning', usage: [9, 4], deltas: 9 }))],
      [done(request({ at: 90, deltas: 4 }))],
    ]);
    const s = samplesOf(lines);
    const recorded = metrics.summaries();
    for (const m of PER_REQUEST_METRICS) {
      const exact = s.exact(m, recorded[m]?.count ?? 0);
      expect(exact, m).toBeInstanceOf(Float64Array);
      const again = new MetricSet();
      for (const v of exact as Float64Array) again.record(m, v);
      expect(again.summaries()[m], m).toEqual(recorded[m]);
    }
    // The cancelled stream counts its TTFT, not an end; the warm-up, failures and the retried attempt nothing.
    expect(recorded.ttft_ms!.count).toBe(7);
    expect(recorded.e2e_ms!.count).toBe(6);
    expect(recorded.connect_ms!.count).toBe(1);
    expect(s.exact('itl_ms', recorded.itl_ms!.count)).toBe(NOT_PER_REQUEST);
    // Held as whole µs (4 bytes) where the values are, as float64 where they are not: exact either way.
    expect(s.asMicros('ttft_ms')).toBe(true);
    expect(s.asMicros('decode_tps')).toBe(false);
  });

  it('switch a column from µs to float64 at its first value that is not whole µs, losing nothing', () => {
    const s = new VariantSamples();
    const values = [2.5, 7.013, 0, 1 / 3, 4_294_967.296, -1, 12.001];
    for (const v of values) s.record('tpot_ms', v);
    expect(s.asMicros('tpot_ms')).toBe(false);
    expect([...(s.exact('tpot_ms', values.length) as Float64Array)]).toEqual(values);
    const big = new VariantSamples();
    for (const v of [1.5, 4_294_967.295, 4_294_967.296]) big.record('e2e_ms', v);
    expect([...(big.exact('e2e_ms', 3) as Float64Array)]).toEqual([1.5, 4_294_967.295, 4_294_967.296]);
  });

  it('leave the rates to the histogram when a line cannot tell hidden reasoning, or its µs are too coarse', () => {
    const hidden = record([[done(request({ at: 0, usage: [105, 100] }))], [done(request({ at: 10, usage: [5] }))]]);
    const h = samplesOf(hidden.lines);
    expect(h.exact('tpot_ms', 1)).toMatch(/hidden reasoning/);
    expect(h.exact('decode_tps', 1)).toMatch(/hidden reasoning/);
    expect(h.exact('e2e_ms', 2)).toHaveLength(2);
    // Five tokens within 0.8 ms: a µs of rounding is more than the histogram's 0.1% of the rate.
    const burst = samplesOf(record([[done(request({ at: 0, gap: 0.2, usage: [5] }))]]).lines);
    expect(burst.exact('decode_tps', 1)).toMatch(/too coarse/);
    expect(burst.exact('tpot_ms', 1)).toHaveLength(1);
  });

  it('refuse samples that disagree with the histogram, and stop holding them beyond the cap', () => {
    const { lines } = record(Array.from({ length: 1500 }, (_, i): [Timeline] => [done(request({ at: i * 10 }))]));
    expect(samplesOf(lines).exact('ttft_ms', 1499)).toBe('requests.jsonl has 1500 samples, the histogram 1499');
    // Past the first growth (1024), up to the cap…
    expect(samplesOf(lines, 1500).exact('ttft_ms', 1500)).toHaveLength(1500);
    // …and one more is refused.
    expect(samplesOf(lines, 1499).exact('ttft_ms', 1500)).toMatch(
      /^more than 1499 samples \(compare holds no more per variant and metric: the histogram's 0\.1% is as precise\)$/,
    );
    expect([SAMPLE_CAP, SAMPLE_BUDGET]).toEqual([200_000, 64 * 2 ** 20]);
  });

  it('share one budget of bytes: columns past it are dropped, saying so, and give their bytes back', () => {
    const { lines } = record(Array.from({ length: 1500 }, (_, i): [Timeline] => [done(request({ at: i * 10 }))]));
    // Two variants grow 6 columns each, in lockstep (1500 values: 2048 of room, 8 kB as µs, 16 kB as
    // float64): 28 kB holds only some, whichever the order of growth leaves room for.
    const memory = new SampleMemory(SAMPLE_CAP, 28 * 1024);
    const a = new VariantSamples(memory);
    const b = new VariantSamples(memory);
    for (const l of lines) {
      a.add(l);
      b.add(l);
    }
    expect(memory.used).toBeLessThanOrEqual(28 * 1024);
    const held = (v: VariantSamples) => PER_REQUEST_METRICS.filter((m) => v.exact(m, 1500) instanceof Float64Array);
    const dropped = [
      ...PER_REQUEST_METRICS.map((m) => a.exact(m, 1500)),
      ...PER_REQUEST_METRICS.map((m) => b.exact(m, 1500)),
    ].filter((x) => typeof x === 'string' && x.includes('beyond'));
    expect(held(a).length + held(b).length).toBeGreaterThan(0);
    expect(
      PER_REQUEST_METRICS.filter((m) => a.asMicros(m) !== undefined || b.asMicros(m) !== undefined).length,
    ).toBeLessThan(6);
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped[0]).toBe(
      "exact samples beyond compare's 28 kB for all variants (the histogram's 0.1% is as precise)",
    );
    // What is held is whole and exact.
    for (const m of held(a)) expect((a.exact(m, 1500) as Float64Array).length).toBe(1500);
    // A dropped column's bytes went back: what is held is all that is charged.
    const bytes = (v: VariantSamples) => held(v).reduce((sum, m) => sum + (v.asMicros(m) ? 4 : 8) * 2048, 0);
    expect(memory.used).toBe(bytes(a) + bytes(b));
  });
});

describe('readRequestSamples', () => {
  const line = (o: Record<string, unknown>): string =>
    lineText({ phases: { firstDelta: 5, doneAt: 6 }, deltas: 1, output_tokens: 1, token_source: 'usage', ...o });

  async function read(text: string, keys = ['v', 'step2.v'], memory?: SampleMemory) {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'requests.jsonl');
      writeFileSync(file, text);
      return await readRequestSamples(file, keys, memory);
    } finally {
      cleanup();
    }
  }

  it('keys sweep steps as compare names them, reads only the variants asked for, tolerates a cut-off last line', async () => {
    const r = await read(
      [
        line({ start_ms: 10 }),
        '',
        line({ step: 1, phases: { firstDelta: 7, doneAt: 8 } }),
        line({ variant: 'other' }),
        '{"variant":"v","i":6,"warm', // a run killed mid-write
      ].join('\n'),
    );
    expect([...r!.variants.keys()]).toEqual(['v', 'step2.v']);
    // Started 10 ms after its intended start: the latency counts from the intention.
    expect([...(r!.variants.get('v')!.exact('ttft_ms', 1) as Float64Array)]).toEqual([15]);
    expect([...(r!.variants.get('step2.v')!.exact('ttft_ms', 1) as Float64Array)]).toEqual([7]);
    expect(r!.warnings).toEqual([expect.stringMatching(/requests\.jsonl:5: incomplete last line ignored/)]);
  });

  it('names file and line of a line that is not a request, and has nothing to say without a file', async () => {
    await expect(read([line({}), 'not json', line({})].join('\n'))).rejects.toThrow(
      /requests\.jsonl:2: not a request line: not JSON/,
    );
    await expect(read([line({}), line({ phases: { firstDelta: '5' } }), ''].join('\n'))).rejects.toThrow(
      /:2: .*phases are not all numbers/,
    );
    expect(await readRequestSamples('/nonexistent/requests.jsonl', ['v'])).toBeUndefined();
  });

  it('past the cap, compare falls back to the histograms and its source_note says why', async () => {
    const text = [line({ start_ms: 1 }), line({ start_ms: 2 }), line({ start_ms: 3 })].join('\n');
    const within = (await read(text, ['v'], new SampleMemory(3)))!.variants.get('v')!;
    const over = (await read(text, ['v'], new SampleMemory(2)))!.variants.get('v')!;
    expect([...(within.exact('ttft_ms', 3) as Float64Array)]).toEqual([6, 7, 8]);
    const set = new MetricSet();
    for (const v of [6, 7, 8]) set.record('ttft_ms', v);
    const summary = set.summaries().ttft_ms!;
    expect(
      compareMetric('v', summary, 'v', summary, 'ttft_ms', 1, { baseline: within, candidate: within }).source,
    ).toBe('requests');
    const c = compareMetric('v', summary, 'v', summary, 'ttft_ms', 1, { baseline: within, candidate: over });
    expect(c).toMatchObject({
      source: 'histogram',
      source_note: expect.stringMatching(/^candidate: more than 2 samples \(compare holds no more/),
    });
    const both = compareMetric('v', summary, 'v', summary, 'ttft_ms', 1, { baseline: over, candidate: over });
    expect(both.source_note).toMatch(/^more than 2 samples/);
  });
});
