import type { Clock } from '../core/clock.js';
import { CLIENT_CANCEL, type Connection, type RequestInput } from '../core/types.js';
import type { Timeline } from '../metrics/timeline.js';

/** The limits and signals an exchange runs under (a LoopRun carries them). */
export interface ExchangeLimits {
  timeoutMs: number;
  /** Longest silence (no connection progress, header, ack or delta) before the request fails; 0: none. */
  idleTimeoutMs?: number;
  clock: Clock;
  hardStop?: AbortSignal;
}

/** The last sign of life of a request: any phase or event the transport and adapter recorded. */
function lastActivity(tl: Timeline): number {
  return Math.max(
    tl.start,
    tl.connectEnd,
    tl.tlsEnd,
    tl.upgraded,
    tl.requestSent,
    tl.firstByte,
    tl.ackAt,
    tl.lastDelta,
  );
}

/**
 * One exchange under the request deadline (and the idle limit). The deadline's timer is cleared as soon
 * as the request is over (AbortSignal.timeout would keep one pending per request for the whole timeout),
 * and a transport that breaks its never-reject contract costs that request, not the run. `cancel` is the
 * client's own stop (interrupt); the timeline knows it was meant.
 */
export async function exchangeWithDeadline(
  conn: Connection,
  input: RequestInput,
  tl: Timeline,
  limits: ExchangeLimits,
  cancel?: AbortSignal,
): Promise<void> {
  const { clock, hardStop } = limits;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), limits.timeoutMs);
  const idleMs = limits.idleTimeoutMs ?? 0;
  // A stalled stream is cut at the idle limit, checked a few times per limit rather than re-armed per
  // delta (which would put a timer operation on the per-token path).
  const idle =
    idleMs > 0
      ? setInterval(
          () => {
            const t = clock.now();
            if (t - lastActivity(tl) < idleMs * 1e6) return;
            tl.error(t, 'timeout', 'idle_timeout', `no data for ${idleMs / 1000} s`);
            deadline.abort();
          },
          Math.max(10, idleMs / 4),
        )
      : undefined;
  // The user's stop cuts the request short: it is marked interrupted, so it is neither a success nor an
  // endpoint failure in the result.
  const onHardStop = (): void => {
    tl.interrupted = true;
    deadline.abort();
  };
  if (hardStop?.aborted) onHardStop();
  else hardStop?.addEventListener('abort', onHardStop, { once: true });
  const onCancel = (): void => deadline.abort(CLIENT_CANCEL);
  cancel?.addEventListener('abort', onCancel, { once: true });
  try {
    await conn.exchange(input, tl, deadline.signal);
  } catch (err) {
    tl.error(clock.now(), 'protocol', 'internal', (err as Error)?.message ?? String(err));
  } finally {
    clearTimeout(timer);
    clearInterval(idle);
    hardStop?.removeEventListener('abort', onHardStop);
    cancel?.removeEventListener('abort', onCancel);
  }
}
