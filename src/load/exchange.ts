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
): Promise<void> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    await conn.exchange(input, tl, deadline.signal);
  } catch (err) {
    tl.error(clock.now(), 'protocol', 'internal', (err as Error)?.message ?? String(err));
  } finally {
    clearTimeout(timer);
  }
}
