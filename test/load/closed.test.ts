import { describe, expect, it } from 'vitest';

import type { Clock } from '../../src/core/clock.js';
import type { Connection, RequestInput, RequestRecord } from '../../src/core/types.js';
import { type ClosedLoad, runClosed } from '../../src/load/closed.js';
import type { Timeline } from '../../src/metrics/timeline.js';
import { fixedWork } from './helpers.js';

/** A fake clock the fake connections advance: each exchange "takes" `costNs`. */
function fakeClock(): Clock & { t: number } {
  return {
    t: 1,
    now() {
      return this.t;
    },
  };
}

class FakeConnection implements Connection {
  exchanges = 0;
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly clock: Clock & { t: number },
    private readonly costNs: number,
  ) {}
  /** Every record sent on this connection, in order: the first is the one that would open it. */
  readonly recs: RequestRecord[] = [];
  async exchange(_req: RequestInput, rec: RequestRecord): Promise<void> {
    this.recs.push(rec);
    this.exchanges++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await Promise.resolve();
    this.clock.t += this.costNs;
    rec.done(this.clock.t, undefined);
    this.inFlight--;
  }
  async close(): Promise<void> {}
}

const input: RequestInput = { model: 'm', prompt: 'p', maxOutputTokens: 1, extra: {} };

async function run(load: ClosedLoad, users = load.concurrency, stopAfter = Infinity) {
  const clock = fakeClock();
  const connections = Array.from({ length: users }, () => new FakeConnection(clock, 1e6));
  const done: { index: number; warmup: boolean; tl: Timeline }[] = [];
  await runClosed({
    connections,
    work: fixedWork(input),
    load,
    timeoutMs: 1000,
    clock,
    stopping: () => done.length >= stopAfter,
    keepText: () => false,
    onDone: (tl, index, warmup) => done.push({ index, warmup, tl }),
  });
  return { connections, done };
}

describe('closed loop', () => {
  it('sends exactly warmup + requests, the first `warmup` indexes being the warm-up', async () => {
    const { connections, done } = await run({ concurrency: 3, requests: 10, warmup: 4, ramp_up: 0 });
    expect(done).toHaveLength(14);
    expect(
      done
        .filter((d) => d.warmup)
        .map((d) => d.index)
        .sort((a, b) => a - b),
    ).toEqual([0, 1, 2, 3]);
    expect(new Set(done.map((d) => d.index)).size).toBe(14);
    // Every user worked, and none ever had two requests in flight.
    for (const c of connections) {
      expect(c.exchanges).toBeGreaterThan(0);
      expect(c.maxInFlight).toBe(1);
    }
  });

  it('warms every user up before it measures, even with fewer warm-up requests than users', async () => {
    const { connections, done } = await run({ concurrency: 3, requests: 9, warmup: 1, ramp_up: 0 });
    expect(done.filter((d) => d.warmup)).toHaveLength(3);
    expect(done.filter((d) => !d.warmup)).toHaveLength(9);
    // The request that would open each user's connection is a warm-up one.
    for (const c of connections) expect(done.find((d) => d.tl === c.recs[0])?.warmup).toBe(true);
  });

  it('a transport that throws costs that request, not the run', async () => {
    const clock = fakeClock();
    const broken: Connection = {
      exchange: async () => {
        throw new Error('boom');
      },
      close: async () => {},
    };
    const done: Timeline[] = [];
    await runClosed({
      connections: [broken],
      work: fixedWork(input),
      load: { concurrency: 1, requests: 3, warmup: 0, ramp_up: 0 },
      timeoutMs: 1000,
      clock,
      stopping: () => false,
      keepText: () => false,
      onDone: (tl) => done.push(tl),
    });
    expect(done.map((tl) => [tl.errorClass, tl.errorMessage])).toEqual(Array(3).fill(['protocol', 'boom']));
  });

  it('times each request from its own start, after its slot was claimed', async () => {
    const { done } = await run({ concurrency: 1, requests: 6, warmup: 0, ramp_up: 0 });
    for (const { tl } of done) {
      expect(tl.intended).toBe(tl.start);
      expect(tl.doneAt - tl.start).toBe(1e6);
    }
  });

  it('stops by measured duration, warm-up not counted in it', async () => {
    // 1 ms per request on the fake clock: a 10 ms window holds exactly 10 measured requests.
    const { done } = await run({ concurrency: 1, duration: 0.01, warmup: 5, ramp_up: 0 });
    expect(done.filter((d) => d.warmup)).toHaveLength(5);
    expect(done.filter((d) => !d.warmup)).toHaveLength(10);
  });

  it('hands out nothing more once stopping, and lets in-flight requests finish', async () => {
    const { done } = await run({ concurrency: 4, requests: 1000, warmup: 0, ramp_up: 0 }, 4, 10);
    expect(done.length).toBeGreaterThanOrEqual(10);
    expect(done.length).toBeLessThan(10 + 4);
    expect(done.every((d) => d.tl.doneAt > 0)).toBe(true);
  });
});
