import type { Clock } from '../metrics/clock.js';
import { Timeline } from '../metrics/timeline.js';
import type { Connection, RequestInput } from './types.js';

export interface ClosedLoad {
  concurrency: number;
  /** Measured requests; exclusive with `duration`. */
  requests?: number;
  /** Measured seconds; exclusive with `requests`. */
  duration?: number;
  warmup: number;
  /** Seconds over which the users start, evenly spaced. */
  ramp_up: number;
}

export interface ClosedRun {
  connections: readonly Connection[];
  input: RequestInput;
  load: ClosedLoad;
  timeoutMs: number;
  clock: Clock;
  /** Set by the caller to stop handing out new requests (Ctrl-C); in-flight ones finish. */
  stopping: () => boolean;
  /** A request is over (ok or not). `origin` is what its latencies count from. */
  onDone: (tl: Timeline, index: number, warmup: boolean) => void;
}

/**
 * Closed loop: each virtual user sends its next request when the previous one is over, on its own
 * connection. Request indexes are handed out from one counter so the first `warmup` requests of the
 * variant — whichever users send them — are the warm-up, and a count limit is exact.
 */
export async function runClosed(run: ClosedRun): Promise<void> {
  const { load, clock } = run;
  const total = load.requests === undefined ? Infinity : load.warmup + load.requests;
  const durationNs = (load.duration ?? Infinity) * 1e9;
  let next = 0;
  let measuredFrom = 0;

  const claim = (): number | undefined => {
    if (run.stopping()) return undefined;
    const i = next;
    if (i >= total) return undefined;
    if (i >= load.warmup && durationNs !== Infinity) {
      const t = clock.now();
      if (measuredFrom === 0) measuredFrom = t;
      else if (t - measuredFrom >= durationNs) return undefined;
    }
    next++;
    return i;
  };

  const user = async (conn: Connection, k: number): Promise<void> => {
    // Against a server of steady timing, users that start together finish together and keep arriving
    // in bursts that measure the burst, not the transport; a ramp spreads them for good.
    const delayMs = (load.ramp_up * 1000 * k) / run.connections.length;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    for (let i = claim(); i !== undefined; i = claim()) {
      // The clock starts after the slot is claimed, so time spent waiting for a free user never counts.
      const t = clock.now();
      const tl = new Timeline(t, t);
      await conn.exchange(run.input, tl, AbortSignal.timeout(run.timeoutMs));
      run.onDone(tl, i, i < load.warmup);
    }
  };

  await Promise.all(run.connections.map(user));
}
