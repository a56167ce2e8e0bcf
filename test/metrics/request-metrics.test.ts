import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { outputTokens, recordRequest } from '../../src/metrics/request-metrics.js';
import { Timeline } from '../../src/metrics/timeline.js';

const MS = 1e6;

/** A request on a made-up clock: start at 1000 ms, ack at +20, deltas every 10 ms from +100, done after. */
function request(deltas: number, channel: 'text' | 'reasoning' = 'text'): Timeline {
  const start = 1000 * MS;
  const tl = new Timeline(start, start);
  tl.requestSent = start + 0.1 * MS;
  tl.firstByte = start + 20 * MS;
  tl.ack(start + 20 * MS);
  tl.delta(start + 50 * MS, 'text', '', undefined); // an empty delta is not output: it must not end TTFT
  for (let k = 0; k < deltas; k++) tl.delta(start + (100 + 10 * k) * MS, channel, ' x', undefined);
  tl.done(start + (100 + 10 * (deltas - 1) + 5) * MS, 'resp_1');
  return tl;
}

/** Histograms keep 3 significant digits: equal to that precision. */
function near(actual: number | undefined, expected: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(expected * 1e-3 + 1e-3);
}

const p50 = (set: MetricSet, name: Parameters<MetricSet['record']>[0]) => set.summaries()[name]?.p50;

describe('metric definitions (README "Metrics") on a made-up timeline', () => {
  it('measures overhead, TTFT, ITL, TPOT, decode rate and E2E from the request start', () => {
    const tl = request(11);
    tl.usage(7, 11, undefined);
    const set = new MetricSet();
    const tokens = outputTokens(tl, undefined);
    expect(tokens).toEqual({ output: 11, source: 'usage', streamed: 11 });
    recordRequest(tl, set, tl.start, tokens);
    near(p50(set, 'ttfb_ms'), 20);
    near(p50(set, 'overhead_ms'), 20);
    near(p50(set, 'ttft_ms'), 100);
    const itl = set.summaries().itl_ms!;
    expect(itl.count).toBe(10); // one per gap between the 11 non-empty deltas
    near(itl.min, 10);
    near(itl.max, 10);
    near(p50(set, 'tpot_ms'), 10); // 100 ms over 10 intervals
    near(p50(set, 'decode_tps'), 100);
    near(p50(set, 'e2e_ms'), 205);
    expect(set.summaries().dns_ms).toBeUndefined(); // a reused connection has no phases
  });

  it('leaves reasoning tokens the server counted but never streamed out of the per-token rates', () => {
    const tl = request(11);
    tl.usage(7, 111, 100); // 100 hidden reasoning tokens + 11 streamed
    const tokens = outputTokens(tl, undefined);
    expect(tokens).toEqual({ output: 111, source: 'usage', streamed: 11 });
    const set = new MetricSet();
    recordRequest(tl, set, tl.start, tokens);
    near(p50(set, 'decode_tps'), 100);
  });

  it('keeps streamed reasoning in the per-token rates', () => {
    const tl = request(11, 'reasoning');
    tl.usage(7, 11, 11);
    expect(outputTokens(tl, undefined).streamed).toBe(11);
    expect(tl.firstChannel).toBe('reasoning');
  });

  it('falls back to the tokenizer, then to the delta count, and says so', () => {
    const tl = request(4);
    expect(outputTokens(tl, tl.texts.join('').split(' ').length - 1)).toEqual({
      output: 4,
      source: 'tokenizer',
      streamed: 4,
    });
    expect(outputTokens(tl, undefined)).toEqual({ output: 4, source: 'chunks', streamed: 4 });
  });

  it('times connection phases of a request that opened its connection, and the upgrade from when it could leave', () => {
    const tl = request(2);
    tl.usage(1, 2, undefined);
    const s = tl.start;
    tl.connStart = s + 0.1 * MS;
    tl.dnsEnd = s + 1.1 * MS;
    tl.connectEnd = s + 3.1 * MS;
    tl.tlsEnd = s + 7.1 * MS;
    tl.upgradeSent = s + 0.2 * MS; // ws asked to send before the socket was up
    tl.upgraded = s + 9.1 * MS;
    const set = new MetricSet();
    recordRequest(tl, set, s, outputTokens(tl, undefined));
    near(p50(set, 'dns_ms'), 1);
    near(p50(set, 'connect_ms'), 2);
    near(p50(set, 'tls_ms'), 4);
    near(p50(set, 'handshake_ms'), 2); // from TLS end, not from the early end() call
  });

  it('a failed request reports its first cause, and one that completed stays completed', () => {
    const failed = new Timeline(1, 1);
    failed.delta(2 * MS, 'text', ' x', undefined);
    failed.error(3 * MS, 'timeout', 'timeout', 'late');
    failed.error(4 * MS, 'reset', 'ECONNRESET', 'gone');
    failed.done(5 * MS, 'resp_late');
    expect(failed.ok).toBe(false); // done() after an error does not revive it
    expect(failed.errorClass).toBe('timeout');
    const fine = request(3);
    fine.error(fine.start + 999 * MS, 'reset', 'ECONNRESET', 'closed after the end');
    expect(fine.ok).toBe(true);
  });
});
