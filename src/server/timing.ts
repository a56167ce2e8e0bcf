/**
 * The absolute token schedule. Times are `performance.now()` milliseconds: every due time is derived
 * from T0, never from when the previous timer happened to fire, so timer lateness delays a batch but
 * never accumulates into the decode rate.
 */

import type { Rng } from '../shared/rng.js';

export interface Pace {
  /** Due time of the first output token. */
  firstAt: number;
  tps: number;
  jitter: number;
  chunkTokens: number;
  tokens: number;
}

/**
 * Due times of the deltas of one output, computed lazily (a long output costs no memory). Token k is
 * due at firstAt + the sum of k intervals of (1000/tps)·(1 + jitter·u), u uniform in [−1, 1] (jitter ≤ 1
 * keeps intervals ≥ 0 and the mean rate exact); a delta
 * is due when its last token is.
 */
export class DeltaClock {
  /** Due time and token count of the current delta, valid after `next()` returned true. */
  due = 0;
  size = 0;
  private left: number;
  private tokenAt: number;
  private started = false;
  private readonly interval: number;

  constructor(
    private readonly pace: Pace,
    private readonly rand: Rng,
  ) {
    this.left = pace.tokens;
    this.tokenAt = pace.firstAt;
    this.interval = 1000 / pace.tps;
  }

  next(): boolean {
    if (this.left === 0) return false;
    const n = Math.min(this.pace.chunkTokens, this.left);
    for (let i = 0; i < n; i++) {
      if (this.started) {
        this.tokenAt += this.interval * (1 + this.pace.jitter * (2 * this.rand() - 1));
      }
      this.started = true;
    }
    this.left -= n;
    this.size = n;
    this.due = this.tokenAt;
    return true;
  }
}

/** How close to a precise due time the ticker stops trusting setTimeout and polls instead. */
const PRECISE_WINDOW_MS = 2;

/**
 * One timer per stream, armed for the next due time. `tick` runs when it fires and returns the next
 * due time, or undefined when the stream is over.
 *
 * Node's timers fire 0–2 ms late (libuv's millisecond loop clock), which is noise on an inter-token gap
 * (the absolute schedule absorbs it) but a bias on the ack and the first token, which the TTFT accuracy
 * rests on. For due times `precise()` marks, the ticker sleeps until just before and then polls with
 * setImmediate, which yields to I/O on every turn: at most ~2 ms of polling per response.
 */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;

  constructor(
    private readonly tick: (now: number) => number | undefined,
    private readonly precise: () => boolean = () => false,
  ) {}

  /** Runs `tick` now if `due` has passed, else arms the timer for it. */
  at(due: number): void {
    const now = performance.now();
    if (due > now) {
      const wait = due - now;
      if (!this.precise()) {
        // Integer delays share Node's per-duration timer lists; libuv's millisecond clock may fire a
        // timer up to 1 ms early, which `fire` catches by re-arming.
        this.timer = setTimeout(this.fire, Math.ceil(wait), due);
      } else if (wait > PRECISE_WINDOW_MS) {
        this.timer = setTimeout(this.fire, Math.floor(wait - PRECISE_WINDOW_MS), due);
      } else {
        this.immediate = setImmediate(this.fire, due);
      }
      return;
    }
    const next = this.tick(now);
    if (next !== undefined) this.at(next);
  }

  cancel(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private readonly fire = (due: number): void => {
    this.timer = undefined;
    this.immediate = undefined;
    this.at(due);
  };
}
