import { describe, expect, it } from 'vitest';

import { now, systemClock } from '../../src/core/clock.js';
import type { Connection, RequestInput, RequestRecord } from '../../src/core/types.js';
import { exchangeWithDeadline } from '../../src/load/exchange.js';
import { Timeline } from '../../src/metrics/timeline.js';

const input: RequestInput = { model: 'm', prompt: 'p', maxOutputTokens: 1, extra: {} };

/** Streams a delta every `everyMs` for `forMs`, then goes silent until aborted (as a stalled server). */
class Trickle implements Connection {
  constructor(
    private readonly everyMs: number,
    private readonly forMs: number,
  ) {}
  exchange(_req: RequestInput, rec: RequestRecord, signal: AbortSignal): Promise<void> {
    rec.ack(now());
    const started = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - started < this.forMs) rec.delta(now(), 'text', 'x', undefined);
    }, this.everyMs);
    return new Promise((resolve) =>
      signal.addEventListener('abort', () => {
        clearInterval(timer);
        rec.error(now(), 'timeout', 'timeout', 'request timed out');
        resolve();
      }),
    );
  }
  async close(): Promise<void> {}
}

describe('exchange limits', () => {
  it('a stream that stalls fails at the idle limit, not at the request timeout, and says so', async () => {
    const t = now();
    const tl = new Timeline(t, t);
    await exchangeWithDeadline(new Trickle(20, 300), input, tl, {
      timeoutMs: 10_000,
      idleTimeoutMs: 200,
      clock: systemClock,
    });
    const ms = (now() - t) / 1e6;
    expect([tl.errorClass, tl.errorCode]).toEqual(['timeout', 'idle_timeout']);
    // Deltas kept it alive for 300 ms; it ends within one check period (50 ms) after 200 ms of silence.
    expect(ms).toBeGreaterThanOrEqual(480);
    expect(ms).toBeLessThan(800);
    expect(tl.deltas).toBeGreaterThan(5);
  });

  it('without an idle limit, the request timeout ends it', async () => {
    const t = now();
    const tl = new Timeline(t, t);
    await exchangeWithDeadline(new Trickle(20, 50), input, tl, { timeoutMs: 300, clock: systemClock });
    expect([tl.errorClass, tl.errorCode]).toEqual(['timeout', 'timeout']);
    expect((now() - t) / 1e6).toBeGreaterThanOrEqual(295);
  });
});
