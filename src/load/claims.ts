import type { Clock } from '../core/clock.js';

/** How much a closed-style loop measures: units are requests (closed loop) or whole sessions. */
export interface ClaimLimits {
  /** Measured units; exclusive with `duration`. */
  requests?: number;
  /** Measured seconds; exclusive with `requests`. */
  duration?: number;
  /** Warm-up units (at least one per user when > 0). */
  warmup: number;
}

export type ClaimKind = 'warmup' | 'measured';

/**
 * The one counter the users of a closed-style loop (closed requests, sessions) take their next unit
 * from, so a count limit is exact however many users race for it.
 *
 * Warm-up: `warmup` units are shared among the users, but every user does at least one before it
 * measures anything, so no measured unit pays for opening a connection that a warm one would have
 * reused (with fewer warm-up units than users, or with a ramp, the shared count alone lets late users
 * open their connections inside the measured window). Users go on to measure without waiting for each
 * other, which keeps a ramp's spacing.
 */
export class Claims {
  private warmed = 0;
  private measured = 0;
  private measuredFrom = 0;
  private readonly durationNs: number;
  private readonly limit: number;

  constructor(
    private readonly limits: ClaimLimits,
    private readonly clock: Clock,
    private readonly stopping: () => boolean,
    private readonly onMeasuring?: () => void,
  ) {
    this.durationNs = (limits.duration ?? Infinity) * 1e9;
    this.limit = limits.requests ?? Infinity;
  }

  /** The next unit's kind for a user, or undefined when the user is done. */
  next(userWarmed: boolean): ClaimKind | undefined {
    if (this.stopping()) return undefined;
    const warmup = this.limits.warmup;
    if (warmup > 0 && (this.warmed < warmup || !userWarmed)) {
      this.warmed++;
      return 'warmup';
    }
    if (this.measured >= this.limit) return undefined;
    if (this.measured === 0) this.onMeasuring?.();
    if (this.durationNs !== Infinity) {
      const t = this.clock.now();
      if (this.measuredFrom === 0) this.measuredFrom = t;
      else if (t - this.measuredFrom >= this.durationNs) return undefined;
    }
    this.measured++;
    return 'measured';
  }
}

/** Spreads users that would otherwise start (and keep arriving) together: user k of n waits k/n of the ramp. */
export function rampDelay(rampUpS: number, k: number, users: number): Promise<void> | undefined {
  const delayMs = (rampUpS * 1000 * k) / users;
  return delayMs > 0 ? new Promise((r) => setTimeout(r, delayMs)) : undefined;
}
