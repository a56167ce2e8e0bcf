import { getEventListeners } from 'node:events';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { sleep } from '../../src/load/sleep.js';

/** Whether `p` has settled once pending microtasks have run (fake timers do not move by themselves). */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('sleep', () => {
  it('waits exactly ms: not a millisecond less', async () => {
    const p = sleep(250, undefined);
    await vi.advanceTimersByTimeAsync(249);
    expect(await settled(p)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(p)).toBe(true);
  });

  it.each([0, -5])('%d ms resolves at once and arms no timer', async (ms) => {
    const p = sleep(ms, new AbortController().signal);
    expect(vi.getTimerCount()).toBe(0);
    expect(await settled(p)).toBe(true);
  });

  it('a hard stop already given resolves at once, arms no timer and adds no listener', async () => {
    const stop = new AbortController();
    stop.abort();
    const p = sleep(60_000, stop.signal);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
    expect(await settled(p)).toBe(true);
  });

  it('the hard stop ends a long wait at once (a 60 s retry-after must not hold up Ctrl-C)', async () => {
    const stop = new AbortController();
    const p = sleep(60_000, stop.signal);
    await vi.advanceTimersByTimeAsync(10);
    expect(await settled(p)).toBe(false);
    stop.abort();
    expect(await settled(p)).toBe(true);
    // The timer went with it: nothing is left to keep the process alive.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a wait that ends by itself removes its listener: one run-long signal serves every retry', async () => {
    const stop = new AbortController();
    for (let i = 0; i < 5; i++) {
      const p = sleep(10, stop.signal);
      expect(getEventListeners(stop.signal, 'abort')).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(10);
      expect(await settled(p)).toBe(true);
    }
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('waits without a hard stop signal at all', async () => {
    const p = sleep(5, undefined);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(5);
    expect(await settled(p)).toBe(true);
  });
});
