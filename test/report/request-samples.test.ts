import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricSet } from '../../src/metrics/metric-set.js';
import { PER_REQUEST_METRICS } from '../../src/metrics/request-metrics.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { VariantRecorder, type RequestLine } from '../../src/metrics/variant-recorder.js';
import { NOT_PER_REQUEST, readRequestSamples, VariantSamples } from '../../src/report/request-samples.js';
import { tempDir } from '../cli/helpers.js';

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
  const s = new VariantSamples(cap);
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
    expect(samplesOf(lines, 1499).exact('ttft_ms', 1500)).toBe('more than 1499 samples');
  });
});

describe('readRequestSamples', () => {
  const line = (o: Record<string, unknown>): string =>
    JSON.stringify({ variant: 'v', i: 0, warmup: false, ok: true, intended_ms: 0, start_ms: 0, phases: { firstDelta: 5, doneAt: 6 }, deltas: 1, output_tokens: 1, token_source: 'usage', ...o });

  async function read(text: string, keys = ['v', 'step2.v']) {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'requests.jsonl');
      writeFileSync(file, text);
      return await readRequestSamples(file, keys);
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
    await expect(read([line({}), 'not json', line({})].join('\n'))).rejects.toThrow(/requests\.jsonl:2: not a request line: not JSON/);
    await expect(read([line({}), line({ phases: { firstDelta: '5' } }), ''].join('\n'))).rejects.toThrow(/:2: .*phases are not all numbers/);
    expect(await readRequestSamples('/nonexistent/requests.jsonl', ['v'])).toBeUndefined();
  });
});
