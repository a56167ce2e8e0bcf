import { describe, expect, it } from 'vitest';

import { now } from '../../src/core/clock.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { VariantRecorder } from '../../src/metrics/variant-recorder.js';
import { completedRate } from '../../src/result/result.js';
import { variantResult, variantWarnings } from '../../src/run/variant-result.js';
import { variant } from '../report/fixtures.js';

function finished(start: number, withUsage: boolean, opened: boolean): Timeline {
  const tl = new Timeline(start, start);
  if (opened) {
    tl.connStart = start + 1e5;
    tl.connectEnd = start + 2e5;
  }
  tl.ack(start + 1e6);
  tl.delta(start + 2e6, 'text', ' a', undefined);
  tl.delta(start + 3e6, 'text', ' b', undefined);
  if (withUsage) tl.usage(3, 2, undefined);
  tl.done(start + 4e6, 'r');
  return tl;
}

describe('variantResult and its warnings', () => {
  it('counts, window, throughput and token sources come from the recorder; warm-up stays out', () => {
    const lines: unknown[] = [];
    const rec = new VariantRecorder(
      'v',
      0,
      (text) => text.trim().split(/\s+/).length,
      (l) => lines.push(l),
    );
    const t0 = now();
    rec.commit(finished(t0, true, true), 0, true, t0); // warm-up opens the connection
    rec.commit(finished(t0 + 10e6, true, false), 1, false, t0 + 10e6);
    const failed = new Timeline(t0 + 20e6, t0 + 20e6);
    failed.error(t0 + 21e6, 'reset', 'ECONNRESET', 'gone');
    rec.commit(failed, 2, false, t0 + 20e6);
    const v = variantResult({ name: 'v', protocol: 'openai-responses', connection: 'http-keepalive' }, rec);
    expect(v.counts).toEqual({ requests: 2, ok: 1, errors: { reset: 1 }, warmup: 1 });
    expect(v.connections.opened).toBe(0);
    expect(v.tokens).toMatchObject({ output: 2, input: 3, source: 'usage' });
    expect(v.window_s).toBeCloseTo(0.011, 6); // first measured start → last measured end
    expect(v.metrics.ttft_ms?.count).toBe(1);
    expect(lines).toHaveLength(3);
    expect(variantWarnings([v])).toEqual([]);
  });

  it('warns when counts did not come from usage, and when a kept connection had to be reopened', () => {
    const rec = new VariantRecorder(
      'w',
      0,
      (text) => text.trim().split(/\s+/).length,
      () => {},
    );
    const t0 = now();
    rec.commit(finished(t0, false, false), 0, false, t0);
    rec.commit(finished(t0 + 10e6, false, true), 1, false, t0 + 10e6);
    const v = variantResult({ name: 'w', protocol: 'openai-chat', connection: 'ws-persistent' }, rec);
    expect(v.tokens.by_source).toEqual({ usage: 0, tokenizer: 2, chunks: 0 });
    const warnings = variantWarnings([v]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/w: 2 of 2 responses reported no usage.*o200k tokenizer: 2/);
    expect(warnings[1]).toMatch(/^w \(1\): connections opened during the measured window .*a longer warm-up/);
  });
});

describe('open-loop warnings', () => {
  /** An open-loop variant of `ok` requests over `window` s at `rate`/s, each taking `e2e` ms. */
  function open(name: string, rate: number, ok: number, window: number, e2e: number, opened = 0) {
    const v = variant(name, { e2e_ms: e2e, ttft_ms: e2e - 10 });
    v.connection = 'http-keepalive';
    v.counts = { requests: ok, ok, errors: {}, warmup: 0 };
    v.connections = { opened };
    v.window_s = window;
    v.rate = { requested: rate, achieved: rate };
    return v;
  }

  it('calls an open loop past capacity: completions well below arrivals, the queue in TTFT', () => {
    // 200 arrivals at 20/s over 10 s, completed at ~13/s: the last one waited ~5 s in the queue.
    const past = open('past', 20, 200, 15.2, 2000);
    // Within capacity: 100 at 10/s, each 300 ms; the window ends with the last one's latency.
    const within = open('within', 10, 100, 10.2, 300);
    expect(completedRate(within)).toBeCloseTo(100 / 9.9, 1);
    const w = variantWarnings([past, within]);
    expect(w.filter((x) => x.includes('past capacity'))).toEqual([
      expect.stringMatching(
        /^past: past capacity: 20 req\/s arrived, 15\.\d+\/s completed, so requests queued \(TTFT p50 /,
      ),
    ]);
  });

  it('says once, for every variant it concerns, why kept connections were opened, with open-loop advice', () => {
    const w = variantWarnings([open('a', 10, 100, 10.2, 300, 3), open('b', 10, 100, 10.2, 300, 1)]);
    const reconnect = w.filter((x) => x.includes('connections opened'));
    expect(reconnect).toHaveLength(1);
    expect(reconnect[0]).toMatch(/^a \(3\), b \(1\): connections opened during the measured window: in an open loop/);
    expect(reconnect[0]).not.toContain('warm-up');
  });
});
