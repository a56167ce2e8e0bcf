import { describe, expect, it } from 'vitest';

import type { Clock } from '../../src/core/clock.js';
import { CLIENT_CANCEL, type Connection, type RequestInput, type RequestRecord } from '../../src/core/types.js';
import type { LoopRun } from '../../src/load/closed.js';
import { exchangeRequest, type Interrupt } from '../../src/load/interrupt.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { fixedWork } from './helpers.js';

// The end-to-end interrupt runs over real transports are interrupt-run.test.ts; here a scripted stream
// shows the contract itself: which attempt is cut, when, and what the redirect sends.

/** One exchange of the fake endpoint: its deltas (each "w w w": one token per word), or a refusal. */
type Reply = { deltas: string[] } | { refuse: 'rate_limited' | 'http_status' };

interface Seen {
  input: RequestInput;
  /** Deltas the endpoint got out before the exchange ended. */
  sent: number;
  abortReason: unknown;
}

/** Streams each reply delta by delta, 1 ms apart on the fake clock, and stops when its signal aborts. */
class StreamingConnection implements Connection {
  readonly seen: Seen[] = [];
  constructor(
    private readonly clock: Clock & { t: number },
    private readonly replies: Reply[],
    private readonly onAbort: () => void = () => {},
  ) {}
  async exchange(req: RequestInput, rec: RequestRecord, signal: AbortSignal): Promise<void> {
    const reply = this.replies[Math.min(this.seen.length, this.replies.length - 1)];
    const seen: Seen = { input: req, sent: 0, abortReason: undefined };
    this.seen.push(seen);
    if ('refuse' in reply) return rec.error(this.tick(), reply.refuse, reply.refuse, 'no');
    rec.ack(this.tick());
    for (const text of reply.deltas) {
      await Promise.resolve();
      if (signal.aborted) {
        // What a transport does on abort: report a timeout, which a cancelled timeline ignores.
        seen.abortReason = signal.reason;
        this.onAbort();
        return rec.error(this.tick(), 'timeout', 'timeout', 'aborted');
      }
      rec.delta(this.tick(), 'text', text, undefined);
      seen.sent++;
    }
    rec.done(this.tick(), 'r');
  }
  async close(): Promise<void> {}
  private tick(): number {
    return (this.clock.t += 1e6);
  }
}

const input: RequestInput = {
  model: 'm',
  prompt: 'first question',
  maxOutputTokens: 50,
  extra: { temperature: 0 },
  items: [{ kind: 'user', text: 'first question' }],
  previousResponseId: 'resp_prev',
};

const words = (text: string): number => text.split(' ').filter(Boolean).length;
const interrupt: Interrupt = { afterTokens: 5, redirect: 'never mind, another question', countTokens: words };

function setup(replies: Reply[], over: Partial<LoopRun> = {}, onAbort?: () => void) {
  const clock = { t: 1, now: () => clock.t };
  const conn = new StreamingConnection(clock, replies, onAbort);
  const run: LoopRun = {
    work: fixedWork(input),
    clock,
    timeoutMs: 60_000,
    stopping: () => false,
    keepText: () => false,
    onDone: () => {},
    interrupt,
    ...over,
  };
  const go = () => exchangeRequest(conn, new Timeline(clock.t, clock.t), input, run);
  return { conn, clock, go };
}

const long: Reply = { deltas: ['a b', 'c d', 'e f', 'g h', 'i j'] };

describe('exchangeRequest', () => {
  it('without an interrupt, the stream runs to its end and nothing follows', async () => {
    const { conn, go } = setup([long], { interrupt: undefined });
    const timelines = await go();
    expect(timelines).toHaveLength(1);
    expect(timelines[0].ok).toBe(true);
    expect(conn.seen[0]).toMatchObject({ sent: 5, abortReason: undefined });
  });

  it('cancels at the delta that reaches N tokens, as a client cancel, then sends the redirect', async () => {
    const { conn, go } = setup([long, long]);
    const [cut, redirect, ...more] = await go();
    expect(more).toEqual([]);
    // 2 + 2 tokens, then the third delta makes 6 >= 5: the cancel is stamped with that delta's arrival.
    expect(cut.deltas).toBe(3);
    expect(cut.cancelledAt).toBe(cut.lastDelta);
    expect(cut).toMatchObject({ ok: false, errorClass: undefined });
    // The transport learns it was the client's own cancel (Realtime answers it in-band), not a deadline.
    expect(conn.seen[0]).toMatchObject({ sent: 3, abortReason: CLIENT_CANCEL });
    expect(redirect.redirectFrom).toBe(cut.cancelledAt);
    expect(redirect.start).toBeGreaterThan(cut.cancelledAt);
    expect(redirect.maxOutputTokens).toBe(input.maxOutputTokens);
  });

  it('the redirect is the same request with the new prompt and no conversation items', async () => {
    const { conn, go } = setup([long, long]);
    await go();
    expect(conn.seen[1].input).toEqual({ ...input, prompt: interrupt.redirect, items: undefined });
    expect(conn.seen[0].input).toBe(input);
  });

  it('the redirect itself is not cut: it streams to its end', async () => {
    const { conn, go } = setup([long, long]);
    const [, redirect] = await go();
    expect(redirect.ok).toBe(true);
    expect(conn.seen[1]).toMatchObject({ sent: 5, abortReason: undefined });
  });

  it('a shorter answer simply completes: no cancel, no redirect', async () => {
    const { conn, go } = setup([{ deltas: ['a b', 'c d'] }]);
    const timelines = await go();
    expect(timelines).toHaveLength(1);
    expect(timelines[0]).toMatchObject({ ok: true, cancelledAt: 0 });
    expect(conn.seen).toHaveLength(1);
  });

  it('a failed request is not redirected', async () => {
    const { conn, go } = setup([{ refuse: 'http_status' }, long]);
    const timelines = await go();
    expect(timelines.map((t) => t.errorClass)).toEqual(['http_status']);
    expect(conn.seen).toHaveLength(1);
  });

  it('watches retries too: the attempt that reaches N tokens is the one cut and redirected from', async () => {
    const retries = { max: 2, on: ['rate_limited'] as const, backoffMs: 1 };
    const { go } = setup([{ refuse: 'rate_limited' }, long, long], { retries });
    const timelines = await go();
    expect(timelines.map((t) => [t.attempt, t.retried, t.errorClass, t.cancelledAt !== 0])).toEqual([
      [0, true, 'rate_limited', false],
      [1, false, undefined, true],
      [0, false, undefined, false],
    ]);
    expect(timelines[2].redirectFrom).toBe(timelines[1].cancelledAt);
  });

  it('a redirect refused with a retryable status is retried, and still measured from the cancel', async () => {
    const retries = { max: 1, on: ['rate_limited'] as const, backoffMs: 1 };
    const { go } = setup([long, { refuse: 'rate_limited' }, long], { retries });
    const [cut, refused, retried] = await go();
    expect([refused.retried, retried.attempt, retried.ok]).toEqual([true, 1, true]);
    // redirect_ms counts from the cancel to the redirect's first token: the attempt that got that token
    // must know where the redirect began, or every slow (refused) redirect drops out of the metric.
    expect(refused.redirectFrom).toBe(cut.cancelledAt);
    expect(retried.redirectFrom).toBe(cut.cancelledAt);
  });

  it('no redirect once the user has cut the run short', async () => {
    const stop = new AbortController();
    const { conn, go } = setup([long, long], { hardStop: stop.signal }, () => stop.abort());
    const timelines = await go();
    expect(timelines).toHaveLength(1);
    expect(timelines[0].cancelledAt).not.toBe(0);
    expect(conn.seen).toHaveLength(1);
  });

  it('each request has its own cancel: the next one on the connection starts uncut', async () => {
    const { conn, go } = setup([long, long, { deltas: ['a b'] }]);
    await go();
    const [next] = await go();
    expect(next.ok).toBe(true);
    expect(conn.seen[2]).toMatchObject({ sent: 1, abortReason: undefined });
  });
});
