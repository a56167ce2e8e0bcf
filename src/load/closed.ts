import type { Clock } from '../metrics/clock.js';
import { Timeline } from '../metrics/timeline.js';
import { exchangeWithDeadline } from './exchange.js';
import type { Connection, RequestInput } from './types.js';

export interface ClosedLoad {
  concurrency: number;
  /** Measured requests; exclusive with `duration`. */
  requests?: number;
  /** Measured seconds; exclusive with `requests`. */
  duration?: number;
  /** Warm-up requests (at least one per user when > 0). */
  warmup: number;
  /** Seconds over which the users start, evenly spaced. */
  ramp_up: number;
}

/** What every load model is given besides its load: the request, the clock, and the run's hooks. */
export interface LoopRun {
  input: RequestInput;
  timeoutMs: number;
  clock: Clock;
  /** Set by the caller to stop handing out new requests (Ctrl-C); in-flight ones finish. */
  stopping: () => boolean;
  /** Aborted when in-flight requests must not be waited for any longer (5 s after Ctrl-C, or a second one). */
  hardStop?: AbortSignal;
  /** Whether a new request should keep its delta texts (for the tokenizer fallback). */
  keepText: () => boolean;
  /** The first measured request is about to start (warm-up may still be finishing elsewhere). */
  onMeasuring?: () => void;
  /** A request is over (ok or not); `index` numbers every request of the variant, warm-up included. */
  onDone: (tl: Timeline, index: number, warmup: boolean) => void;
}

export interface ClosedRun extends LoopRun {
  connections: readonly Connection[];
  load: ClosedLoad;
}

/**
 * Closed loop: each virtual user sends its next request when the previous one is over, on its own
 * connection.
 *
 * Warm-up: `warmup` requests are shared among the users, but every user does at least one before it
 * measures anything, so no measured request pays for opening a connection that a warm one would have
 * reused (with fewer warm-up requests than users, or with a ramp, the shared count alone lets late users
 * open their connections inside the measured window). Users go on to measure without waiting for each
 * other, which keeps the ramp's spacing. Measured requests come from one counter, so a count limit is exact.
 */
export async function runClosed(run: ClosedRun): Promise<void> {
  const { load, clock } = run;
  const durationNs = (load.duration ?? Infinity) * 1e9;
  const measuredLimit = load.requests ?? Infinity;
  let index = 0;
  let warmed = 0;
  let measured = 0;
  let measuredFrom = 0;

  /** The next request's kind for a user, or undefined when the user is done. */
  const claim = (userWarmed: boolean): 'warmup' | 'measured' | undefined => {
    if (run.stopping()) return undefined;
    if (load.warmup > 0 && (warmed < load.warmup || !userWarmed)) {
      warmed++;
      return 'warmup';
    }
    if (measured >= measuredLimit) return undefined;
    if (measured === 0) run.onMeasuring?.();
    if (durationNs !== Infinity) {
      const t = clock.now();
      if (measuredFrom === 0) measuredFrom = t;
      else if (t - measuredFrom >= durationNs) return undefined;
    }
    measured++;
    return 'measured';
  };

  const user = async (conn: Connection, k: number): Promise<void> => {
    // Against a server of steady timing, users that start together finish together and keep arriving
    // in bursts that measure the burst, not the transport; a ramp spreads them for good.
    const delayMs = (load.ramp_up * 1000 * k) / run.connections.length;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    let userWarmed = false;
    for (let kind = claim(userWarmed); kind !== undefined; kind = claim(userWarmed)) {
      const i = index++;
      // The clock starts after the slot is claimed, so time spent waiting for a free user never counts.
      const t = clock.now();
      const tl = new Timeline(t, t, run.keepText());
      await exchangeWithDeadline(conn, run.input, tl, run.timeoutMs, run.clock, run.hardStop);
      userWarmed = true;
      run.onDone(tl, i, kind === 'warmup');
    }
  };

  await Promise.all(run.connections.map(user));
}
