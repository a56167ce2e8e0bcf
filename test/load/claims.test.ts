import { afterEach, describe, expect, it, vi } from 'vitest';

import type { Clock } from '../../src/core/clock.js';
import { type ClaimKind, Claims, rampDelay } from '../../src/load/claims.js';

/** A clock the test moves by hand (harness time is never 0: it counts from module load). */
function manualClock(start = 1_000): Clock & { t: number } {
  const c = { t: start, now: () => c.t };
  return c;
}

const never = (): boolean => false;

/** `n` claims by a user that has (or has not) warmed up. */
function take(c: Claims, n: number, warmed: boolean): (ClaimKind | undefined)[] {
  return Array.from({ length: n }, () => c.next(warmed));
}

describe('Claims', () => {
  it('hands out exactly `requests` measured units, then none, and says once when measuring starts', () => {
    let measuring = 0;
    const c = new Claims({ requests: 3, warmup: 0 }, manualClock(), never, () => measuring++);
    expect(take(c, 5, true)).toEqual(['measured', 'measured', 'measured', undefined, undefined]);
    expect(measuring).toBe(1);
  });

  it('shares the warm-up among the users before anything is measured', () => {
    let measuring = 0;
    const c = new Claims({ requests: 2, warmup: 3 }, manualClock(), never, () => measuring++);
    // One user that has warmed up keeps taking the shared warm-up until it is used up.
    expect(take(c, 3, true)).toEqual(['warmup', 'warmup', 'warmup']);
    expect(measuring).toBe(0);
    expect(take(c, 3, true)).toEqual(['measured', 'measured', undefined]);
    expect(measuring).toBe(1);
  });

  it('warms every user at least once, even beyond the warm-up count', () => {
    const c = new Claims({ requests: 2, warmup: 1 }, manualClock(), never);
    expect(c.next(false)).toBe('warmup');
    // The shared warm-up is used up, but a user that has not warmed up still gets one.
    expect(c.next(false)).toBe('warmup');
    expect(c.next(false)).toBe('warmup');
    expect(c.next(true)).toBe('measured');
  });

  it('without a warm-up, a user is never held back to warm', () => {
    const c = new Claims({ requests: 1, warmup: 0 }, manualClock(), never);
    expect(c.next(false)).toBe('measured');
  });

  it('keeps the count exact however the users interleave', () => {
    const c = new Claims({ requests: 17, warmup: 4 }, manualClock(), never);
    const users = Array.from({ length: 6 }, () => ({ warmed: false, kinds: [] as ClaimKind[] }));
    for (let active = true; active;) {
      active = false;
      for (const u of users) {
        const k = c.next(u.warmed);
        if (k === undefined) continue;
        active = true;
        u.kinds.push(k);
        u.warmed = true;
      }
    }
    const all = users.flatMap((u) => u.kinds);
    expect(all.filter((k) => k === 'measured')).toHaveLength(17);
    // Six users, four shared warm-ups: each user's first unit is a warm-up, so six in all.
    expect(all.filter((k) => k === 'warmup')).toHaveLength(6);
    for (const u of users) expect(u.kinds[0]).toBe('warmup');
  });

  it('a duration counts from the first measured claim; none is handed out once it is over', () => {
    const clock = manualClock(5_000);
    const c = new Claims({ duration: 1, warmup: 1 }, clock, never);
    expect(c.next(false)).toBe('warmup');
    clock.t += 3e9; // warm-up time does not count
    expect(c.next(true)).toBe('measured'); // the window opens here
    clock.t += 0.999e9;
    expect(c.next(true)).toBe('measured');
    clock.t += 0.001e9;
    expect(c.next(true)).toBeUndefined();
  });

  it('hands out nothing once stopping, not even warm-up', () => {
    let stop = false;
    const c = new Claims({ requests: 5, warmup: 2 }, manualClock(), () => stop);
    expect(c.next(false)).toBe('warmup');
    stop = true;
    expect(c.next(false)).toBeUndefined();
    expect(c.next(true)).toBeUndefined();
  });
});

describe('rampDelay', () => {
  afterEach(() => vi.useRealTimers());

  it('no ramp, or the first user: no wait at all', () => {
    expect(rampDelay(0, 3, 4)).toBeUndefined();
    expect(rampDelay(2, 0, 4)).toBeUndefined();
  });

  it('user k of n waits k/n of the ramp', async () => {
    vi.useFakeTimers();
    let done = false;
    void rampDelay(0.2, 2, 4)!.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });
});
