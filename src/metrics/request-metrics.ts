import type { Nanos } from '../load/types.js';
import type { MetricSet } from './metric-set.js';
import type { Timeline } from './timeline.js';

export type TokenSource = 'usage' | 'tokenizer' | 'chunks';

export interface TokenCount {
  output: number;
  source: TokenSource;
  /**
   * The tokens that arrived as deltas, for the per-token rates: the output less reasoning tokens the
   * server counted but never streamed (reasoning models that hide their reasoning).
   */
  streamed: number;
}

/** Tokenizer used when the server reports no usage (o200k; loaded by the runner before measuring). */
export type CountTokens = (text: string) => number;

const ms = (from: Nanos, to: Nanos): number => (to - from) / 1e6;

/**
 * Output tokens: server-reported usage first, else the tokenizer over the received text, else one per
 * delta — DESIGN.md's order; the source always travels with the count.
 */
export function outputTokens(tl: Timeline, countTokens: CountTokens | undefined): TokenCount {
  if (tl.usageOutputTokens !== undefined) {
    const hidden = tl.reasoningDeltas === 0 ? (tl.usageReasoningTokens ?? 0) : 0;
    return { output: tl.usageOutputTokens, source: 'usage', streamed: Math.max(0, tl.usageOutputTokens - hidden) };
  }
  if (countTokens !== undefined) {
    const n = countTokens(tl.texts.join(''));
    return { output: n, source: 'tokenizer', streamed: n };
  }
  return { output: tl.deltas, source: 'chunks', streamed: tl.deltas };
}

/**
 * Records every metric of a finished, successful request (DESIGN.md "Metric definitions").
 * `origin` is the request start the latencies count from: the intended start for open-loop load
 * (coordinated omission), the actual start for closed-loop load.
 */
export function recordRequest(tl: Timeline, set: MetricSet, origin: Nanos, tokens: TokenCount): void {
  recordStream(tl, set, origin);
  const tpot = tpotMs(tl, tokens);
  if (tpot !== undefined) {
    set.record('tpot_ms', tpot);
    set.record('decode_tps', (tokens.streamed - 1) / ((tl.lastDelta - tl.firstDelta) / 1e9));
  }
  set.record('e2e_ms', ms(origin, tl.doneAt));
}

/** Per-token time between the first and last delta; undefined when fewer than two streamed tokens span time. */
function tpotMs(tl: Timeline, tokens: TokenCount): number | undefined {
  const span = tl.lastDelta - tl.firstDelta;
  return tokens.streamed > 1 && tl.deltas > 1 && span > 0 ? span / 1e6 / (tokens.streamed - 1) : undefined;
}

/** Per-request limits, ms, as the scenario's `slo` writes them: a request within all of them is "good". */
export interface Slo {
  ttft_ms?: number;
  tpot_ms?: number;
  /** The request's largest gap between deltas. */
  itl_ms?: number;
  e2e_ms?: number;
  overhead_ms?: number;
}

/**
 * Whether a finished, successful request met every limit, from the same values `recordRequest` records.
 * A limit on a value the request never produced fails for TTFT and overhead (no token or acceptance came),
 * but passes for TPOT and ITL: a one-token answer has no gap that could exceed them.
 */
export function meetsSlo(tl: Timeline, origin: Nanos, tokens: TokenCount, slo: Slo): boolean {
  const within = (limit: number | undefined, value: number | undefined, absent: boolean): boolean =>
    limit === undefined || (value === undefined ? absent : value <= limit);
  const maxGap = tl.itl.reduce((a, b) => Math.max(a, b), -Infinity);
  return (
    within(slo.ttft_ms, tl.firstDelta !== 0 ? ms(origin, tl.firstDelta) : undefined, false) &&
    within(slo.overhead_ms, tl.ackAt !== 0 ? ms(origin, tl.ackAt) : undefined, false) &&
    within(slo.e2e_ms, ms(origin, tl.doneAt), false) &&
    within(slo.tpot_ms, tpotMs(tl, tokens), true) &&
    within(slo.itl_ms, tl.itl.length > 0 ? maxGap : undefined, true)
  );
}

/**
 * What a request measured up to its last delta: all of a cancelled (interrupted) stream's metrics, since
 * a stream cut short has no end, output count or rate.
 */
export function recordStream(tl: Timeline, set: MetricSet, origin: Nanos): void {
  if (tl.connStart !== 0) {
    const tcpFrom = tl.dnsEnd || tl.connStart;
    if (tl.dnsEnd !== 0) set.record('dns_ms', ms(tl.connStart, tl.dnsEnd));
    if (tl.connectEnd !== 0) set.record('connect_ms', ms(tcpFrom, tl.connectEnd));
    if (tl.tlsEnd !== 0 && tl.connectEnd !== 0) set.record('tls_ms', ms(tl.connectEnd, tl.tlsEnd));
  }
  if (tl.upgraded !== 0) {
    // The upgrade request leaves when the socket is ready, even if ws was told to end() it earlier.
    const sent = Math.max(tl.upgradeSent, tl.tlsEnd || tl.connectEnd);
    set.record('handshake_ms', ms(sent, tl.upgraded));
  }
  if (tl.firstByte !== 0) set.record('ttfb_ms', ms(origin, tl.firstByte));
  if (tl.ackAt !== 0) set.record('overhead_ms', ms(origin, tl.ackAt));
  if (tl.firstDelta !== 0) set.record('ttft_ms', ms(origin, tl.firstDelta));
  for (const gap of tl.itl) set.record('itl_ms', gap);
  if (tl.redirectFrom !== 0 && tl.firstDelta !== 0) set.record('redirect_ms', ms(tl.redirectFrom, tl.firstDelta));
  if (tl.scheduled) set.record('schedule_delay_ms', ms(tl.intended, tl.start));
  for (const d of tl.tokenDelay) set.record('token_delay_ms', d);
}
