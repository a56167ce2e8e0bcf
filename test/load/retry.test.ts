import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { Clock } from '../../src/core/clock.js';
import type { Connection, ErrorClass, RequestInput, RequestRecord } from '../../src/core/types.js';
import type { LoopRun } from '../../src/load/closed.js';
import { exchangeWithRetries, type RetryPolicy } from '../../src/load/retry.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { fixedWork } from './helpers.js';

// The end-to-end retry run against the reference server (real 429s and retry-after) is retry-run.test.ts.
// Here the waits run on fake timers, so their lengths are checked exactly and nothing really sleeps.

/** What the fake endpoint does with one attempt. */
type Step = (rec: Timeline, t: number, signal: AbortSignal) => void;

const ok: Step = (rec, t) => rec.done(t, 'r');
const fail =
  (cls: ErrorClass, retryAfterMs = 0): Step =>
  (rec, t) => {
    rec.retryAfterMs = retryAfterMs;
    rec.error(t, cls, cls, 'refused');
  };

/** Plays `steps` in order (the last one repeats) and notes when each attempt arrived and how. */
class ScriptedConnection implements Connection {
  readonly calls: { at: number; aborted: boolean }[] = [];
  constructor(
    private readonly clock: Clock,
    private readonly steps: Step[],
    private readonly log: string[] = [],
  ) {}
  async exchange(_req: RequestInput, rec: RequestRecord, signal: AbortSignal): Promise<void> {
    const tl = rec as Timeline;
    this.log.push(`exchange ${tl.attempt}`);
    this.calls.push({ at: ms(tl.start), aborted: signal.aborted });
    await Promise.resolve();
    if (signal.aborted) return tl.error(this.clock.now(), 'timeout', 'timeout', 'aborted');
    this.steps[Math.min(this.calls.length - 1, this.steps.length - 1)](tl, this.clock.now(), signal);
  }
  async close(): Promise<void> {}
}

const input: RequestInput = { model: 'm', prompt: 'p', maxOutputTokens: 4, extra: {} };
const policy: RetryPolicy = { max: 3, on: ['rate_limited', 'server_error', 'timeout'], backoffMs: 100 };

/** Harness time on the faked Date, from 1 ns (0 means "did not happen" in a timeline). */
let t0 = 0;
const clock: Clock = { now: () => (Date.now() - t0) * 1e6 + 1 };
const ms = (t: number): number => Math.round((t - 1) / 1e6);

function loopRun(over: Partial<LoopRun> = {}): LoopRun {
  return {
    work: fixedWork(input),
    clock,
    timeoutMs: 3_600_000,
    stopping: () => false,
    keepText: () => false,
    onDone: () => {},
    retries: policy,
    ...over,
  };
}

function firstAttempt(): Timeline {
  const tl = new Timeline(clock.now(), clock.now());
  tl.promptTokens = 12;
  tl.maxOutputTokens = 4;
  tl.record = 7;
  tl.scheduled = true;
  return tl;
}

/** All attempts, the waits between them played on the fake clock. */
async function play(
  conn: Connection,
  run: LoopRun,
  prepare?: (tl: Timeline) => void,
  first = firstAttempt(),
): Promise<Timeline[]> {
  const p = exchangeWithRetries(conn, input, first, run, undefined, prepare);
  await vi.runAllTimersAsync();
  return p;
}

beforeEach(() => {
  vi.useFakeTimers();
  t0 = Date.now();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('exchangeWithRetries', () => {
  it('without a policy: one attempt, whatever its outcome', async () => {
    const conn = new ScriptedConnection(clock, [fail('rate_limited', 10)]);
    const attempts = await play(conn, loopRun({ retries: undefined }));
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ errorClass: 'rate_limited', retried: false, attempt: 0 });
  });

  it('backs off exponentially (backoff_ms · 2^(k−1)) until an attempt succeeds', async () => {
    const conn = new ScriptedConnection(clock, [fail('server_error'), fail('server_error'), fail('timeout'), ok]);
    const attempts = await play(conn, loopRun());
    expect(conn.calls.map((c) => c.at)).toEqual([0, 100, 300, 700]);
    expect(attempts.map((a) => [a.attempt, a.retried, a.ok])).toEqual([
      [0, true, false],
      [1, true, false],
      [2, true, false],
      [3, false, true],
    ]);
  });

  it('every later attempt keeps the first one’s origin and what it asked for', async () => {
    const conn = new ScriptedConnection(clock, [fail('rate_limited'), ok]);
    const redirect = firstAttempt();
    redirect.redirectFrom = 1;
    const [first, second] = await play(conn, loopRun(), undefined, redirect);
    // Latencies count from the first attempt: what the user waited, the failure and back-off included;
    // a retried redirect's redirect_ms likewise from the cancel it follows.
    expect(second.intended).toBe(first.intended);
    expect(ms(second.start)).toBe(100);
    expect(second).toMatchObject({ promptTokens: 12, maxOutputTokens: 4, record: 7, scheduled: true, redirectFrom: 1 });
  });

  it("honours the server's retry-after instead of the back-off, attempt by attempt", async () => {
    const conn = new ScriptedConnection(clock, [fail('rate_limited', 1500), fail('rate_limited'), ok]);
    await play(conn, loopRun());
    // 1500 ms as told, then the second back-off step (200 ms): the exponent counts attempts, not waits.
    expect(conn.calls.map((c) => c.at)).toEqual([0, 1500, 1700]);
  });

  it('stops after `max` retries: the last attempt is the failure that counts', async () => {
    const conn = new ScriptedConnection(clock, [fail('server_error')]);
    const attempts = await play(conn, loopRun({ retries: { ...policy, max: 2 } }));
    expect(attempts.map((a) => [a.attempt, a.retried, a.errorClass])).toEqual([
      [0, true, 'server_error'],
      [1, true, 'server_error'],
      [2, false, 'server_error'],
    ]);
  });

  const cancelled: Step = (rec, t) => {
    rec.delta(t, 'text', 'hi', undefined);
    rec.cancel(t);
    rec.error(t, 'timeout', 'timeout', 'the client cancelled');
  };
  const silent: Step = () => {};

  it.each([
    ['a class not in `on`', fail('http_status'), {}],
    ['a success', ok, {}],
    ['a stream the client cancelled (interrupt)', cancelled, {}],
    ['an exchange that ended without outcome', silent, {}],
    ['a failure while the run is stopping', fail('rate_limited'), { stopping: () => true }],
  ] as const)('does not retry %s', async (_what, step, over: Partial<LoopRun>) => {
    const conn = new ScriptedConnection(clock, [step, ok]);
    const attempts = await play(conn, loopRun(over));
    expect(attempts).toHaveLength(1);
    expect(attempts[0].retried).toBe(false);
    expect(conn.calls).toHaveLength(1);
  });

  it('does not retry a request the user cut short, though its timeout class is retryable', async () => {
    const stop = new AbortController();
    stop.abort();
    const conn = new ScriptedConnection(clock, [ok]);
    const attempts = await play(conn, loopRun({ hardStop: stop.signal }));
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ interrupted: true, errorClass: 'timeout', retried: false });
  });

  it('a hard stop ends a long wait at once; the attempt after it is cut short, not sent as new work', async () => {
    const stop = new AbortController();
    const conn = new ScriptedConnection(clock, [fail('rate_limited', 60_000), ok]);
    const p = exchangeWithRetries(conn, input, firstAttempt(), loopRun({ hardStop: stop.signal }));
    await vi.advanceTimersByTimeAsync(10);
    stop.abort();
    const attempts = await p;
    expect(conn.calls).toEqual([
      { at: 0, aborted: false },
      { at: 10, aborted: true },
    ]);
    // The request ends interrupted (counted apart), not as a lost retry with no last attempt.
    expect(attempts.map((a) => [a.retried, a.interrupted])).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('prepares each attempt before it goes out', async () => {
    const log: string[] = [];
    const conn = new ScriptedConnection(clock, [fail('rate_limited'), ok], log);
    await play(conn, loopRun(), (tl) => log.push(`prepare ${tl.attempt}`));
    expect(log).toEqual(['prepare 0', 'exchange 0', 'prepare 1', 'exchange 1']);
  });
});
