import type { Clock } from '../core/clock.js';
import type { Connection } from '../core/types.js';
import type { Timeline } from '../metrics/timeline.js';
import { type ClaimLimits, Claims, rampDelay } from './claims.js';
import type { ExchangeLimits } from './exchange.js';
import { exchangeRequest, type Interrupt } from './interrupt.js';
import type { RetryPolicy } from './retry.js';
import { allUsers } from './settle.js';
import { timelineOf, type WorkSource } from './work.js';

export interface ClosedLoad extends ClaimLimits {
  concurrency: number;
  /** Seconds over which the users start, evenly spaced. */
  ramp_up: number;
}

/** What every load model is given besides its load: the requests, the clock, and the run's hooks. */
export interface LoopRun extends ExchangeLimits {
  work: WorkSource;
  clock: Clock;
  /** Set by the caller to stop handing out new requests (Ctrl-C); in-flight ones finish. */
  stopping: () => boolean;
  /** Aborted when in-flight requests must not be waited for any longer (5 s after Ctrl-C, or a second one). */
  hardStop?: AbortSignal;
  /** Whether a new request should keep its delta texts (for the tokenizer fallback). */
  keepText: () => boolean;
  /** Cancel each stream after N tokens and redirect it (the scenario's `interrupt`). */
  interrupt?: Interrupt;
  /** Retry failed requests (the scenario's `retries`); none when absent. */
  retries?: RetryPolicy;
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
 * connection. Warm-up and measured requests are handed out by `Claims`.
 */
export async function runClosed(run: ClosedRun): Promise<void> {
  const { load, clock } = run;
  const claims = new Claims(load, clock, run.stopping, run.onMeasuring);
  let index = 0;

  const user = async (conn: Connection, k: number): Promise<void> => {
    // Against a server of steady timing, users that start together finish together and keep arriving
    // in bursts that measure the burst, not the transport; a ramp spreads them for good.
    await rampDelay(load.ramp_up, k, run.connections.length);
    let userWarmed = false;
    for (let kind = claims.next(userWarmed); kind !== undefined; kind = claims.next(userWarmed)) {
      const work = run.work.take() ?? (await run.work.next());
      if (work === undefined) break;
      const i = index++;
      // The clock starts after the slot is claimed and the request made, so time spent waiting for a
      // free user or for the dataset never counts.
      const t = clock.now();
      const timelines = await exchangeRequest(conn, timelineOf(work, t, t, run.keepText()), work.input, run);
      userWarmed = true;
      // A redirect after an interrupt shares the number of the request it follows.
      for (const tl of timelines) run.onDone(tl, i, kind === 'warmup');
    }
  };

  await allUsers(run.connections.map(user));
}
