import type { RequestLine } from './line.js';

/**
 * How the recorder counted a request, decided in this order: a failed attempt that was retried (its
 * request's outcome is the last attempt's), a request the user's stop cut short, warm-up, a stream the
 * scenario's interrupt cancelled on purpose (what it measured until the cancel counts, it is not a
 * request), a success, a measured failure (counted by class in `errors`, in no histogram).
 */
export type Counted = 'retried' | 'interrupted' | 'warmup' | 'cancelled' | 'ok' | 'failed';

/** The recorder's own decision (it classifies the line it writes), so any reader of the file agrees with it. */
export function countedAs(l: Pick<RequestLine, 'retried' | 'ok' | 'error' | 'warmup' | 'cancelled'>): Counted {
  if (l.retried) return 'retried';
  // The only lines with error class `interrupted`: no request error has that class.
  if (!l.ok && l.error?.class === 'interrupted') return 'interrupted';
  if (l.warmup) return 'warmup';
  if (l.cancelled) return 'cancelled';
  return l.ok ? 'ok' : 'failed';
}

/** The class a failed request is counted under in `errors`: a failure without one broke the protocol. */
export const failureClass = (l: Pick<RequestLine, 'error'>): string => l.error?.class ?? 'protocol';
