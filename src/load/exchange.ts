import type { Clock } from '../metrics/clock.js';
import type { Timeline } from '../metrics/timeline.js';
import type { Connection, RequestInput } from './types.js';

/**
 * One exchange under the request deadline. The deadline's timer is cleared as soon as the request is
 * over (AbortSignal.timeout would keep one pending per request for the whole timeout), and a transport
 * that breaks its never-reject contract costs that request, not the run.
 */
export async function exchangeWithDeadline(
  conn: Connection,
  input: RequestInput,
  tl: Timeline,
  timeoutMs: number,
  clock: Clock,
  hardStop?: AbortSignal,
  cancel?: AbortSignal,
): Promise<void> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  // The user's stop cuts the request short: it is marked interrupted, so it is neither a success nor an
  // endpoint failure in the result.
  const onHardStop = (): void => {
    tl.interrupted = true;
    deadline.abort();
  };
  if (hardStop?.aborted) onHardStop();
  else hardStop?.addEventListener('abort', onHardStop, { once: true });
  // The client's own cancel (interrupt) ends the exchange the same way; the timeline knows it was meant.
  const onCancel = (): void => deadline.abort();
  cancel?.addEventListener('abort', onCancel, { once: true });
  try {
    await conn.exchange(input, tl, deadline.signal);
  } catch (err) {
    tl.error(clock.now(), 'protocol', 'internal', (err as Error)?.message ?? String(err));
  } finally {
    clearTimeout(timer);
    hardStop?.removeEventListener('abort', onHardStop);
    cancel?.removeEventListener('abort', onCancel);
  }
}
