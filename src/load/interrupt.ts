import type { Connection, RequestInput } from '../core/types.js';
import { Timeline } from '../metrics/timeline.js';
import type { LoopRun } from './closed.js';
import { exchangeWithRetries } from './retry.js';

/** The scenario's `interrupt`: cancel each stream after so many output tokens, then send `redirect`. */
export interface Interrupt {
  afterTokens: number;
  /** The prompt of the redirected request (its other fields are the cancelled request's). */
  redirect: string;
  /**
   * Output tokens of one delta's text (o200k): streams are cut by tokens, not by chunks. It may stop
   * counting at `enough`: a huge delta must not stall the loop to count tokens past the cut.
   */
  countTokens: (text: string, enough: number) => number;
}

/**
 * One request of a closed or open loop: the exchange, and with an interrupt, the cancel after N tokens
 * and the redirected request that follows on the same connection. Returns the timelines in order; the
 * redirect is there only when the stream was cancelled (a shorter answer simply completes).
 *
 * How a stream is cancelled is the transport's cheapest way: HTTP/1.1 cannot abandon a response and keep
 * the connection, so the request is aborted and the connection dropped (the redirect opens a new one);
 * Responses WebSocket mode has no cancel message, so the socket is closed and the redirect reconnects.
 * Both costs are what a user pays to interrupt, and they land in `redirect_ms`.
 */
export async function exchangeRequest(
  conn: Connection,
  tl: Timeline,
  input: RequestInput,
  run: LoopRun,
): Promise<Timeline[]> {
  const spec = run.interrupt;
  if (spec === undefined) return exchangeWithRetries(conn, input, tl, run);
  const cancel = new AbortController();
  // Each attempt (retries included) is watched; the one that reaches N tokens is cancelled.
  const watch = (attempt: Timeline): void => {
    let tokens = 0;
    attempt.watch = (t, text) => {
      tokens += spec.countTokens(text, spec.afterTokens - tokens);
      if (tokens < spec.afterTokens) return;
      attempt.watch = undefined;
      attempt.cancel(t);
      cancel.abort();
    };
  };
  const attempts = await exchangeWithRetries(conn, input, tl, run, cancel.signal, watch);
  const last = attempts[attempts.length - 1];
  if (last.cancelledAt === 0 || run.hardStop?.aborted) return attempts;
  const t = run.clock.now();
  const redirect = new Timeline(t, t, run.keepText());
  redirect.redirectFrom = last.cancelledAt;
  redirect.maxOutputTokens = input.maxOutputTokens;
  const next: RequestInput = { ...input, prompt: spec.redirect, items: undefined };
  return [...attempts, ...(await exchangeWithRetries(conn, next, redirect, run))];
}
