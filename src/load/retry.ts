import type { Connection, ErrorClass, RequestInput } from '../core/types.js';
import { Timeline } from '../metrics/timeline.js';
import type { LoopRun } from './closed.js';
import { exchangeWithDeadline } from './exchange.js';
import { sleep } from './sleep.js';

/** The scenario's `retries` (off unless `max` > 0). */
export interface RetryPolicy {
  max: number;
  /** The failure classes worth another attempt. */
  on: readonly ErrorClass[];
  /** Wait before attempt k (from 1): backoff_ms · 2^(k−1), unless the server said `retry-after`. */
  backoffMs: number;
}

/**
 * One request with its retries: attempts go out until one is not a retryable failure, the policy's
 * count is spent, or the user stops. The wait honours the server's `retry-after` (a 429's), else backs
 * off exponentially. Every attempt after the first keeps the first one's start as its origin, so the
 * latencies a success reports include the failed attempts and the waits — what the user waited.
 * Returns the attempts in order; all but the last are marked `retried`.
 */
export async function exchangeWithRetries(
  conn: Connection,
  input: RequestInput,
  first: Timeline,
  run: LoopRun,
  cancel?: AbortSignal,
  prepare?: (attempt: Timeline) => void,
): Promise<Timeline[]> {
  const attempts = [first];
  let tl = first;
  prepare?.(tl);
  await exchangeWithDeadline(conn, input, tl, run, cancel);
  const policy = run.retries;
  if (policy === undefined) return attempts;
  for (let k = 1; k <= policy.max; k++) {
    if (
      tl.ok ||
      tl.interrupted ||
      tl.cancelledAt !== 0 ||
      tl.errorClass === undefined ||
      !policy.on.includes(tl.errorClass)
    )
      break;
    if (run.stopping()) break;
    tl.retried = true;
    await sleep(tl.retryAfterMs > 0 ? tl.retryAfterMs : policy.backoffMs * 2 ** (k - 1), run.hardStop);
    tl = new Timeline(first.intended, run.clock.now(), run.keepText()).asks(first);
    tl.scheduled = first.scheduled;
    // A redirect's retry still counts redirect_ms from the cancel it follows.
    tl.redirectFrom = first.redirectFrom;
    tl.attempt = k;
    attempts.push(tl);
    prepare?.(tl);
    await exchangeWithDeadline(conn, input, tl, run, cancel);
  }
  return attempts;
}
