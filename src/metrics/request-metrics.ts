import type { MetricName } from '../core/catalog.js';
import type { Nanos } from '../core/types.js';
import type { Phase } from '../result/requests/line.js';
import type { TokenSource } from '../result/result.js';
import type { MetricSet } from './metric-set.js';
import type { Timeline } from './timeline.js';

export interface TokenCount {
  output: number;
  source: TokenSource;
  /**
   * The tokens that arrived as deltas, for the per-token rates: the output less reasoning tokens the
   * server counted but never streamed (reasoning models that hide their reasoning).
   */
  streamed: number;
}

/**
 * Tokenizer used when the server reports no usage (o200k). A long text may be counted off the event loop:
 * then the count comes as a promise, and the request is recorded once it arrives.
 */
export type CountTokens = (text: string) => number | Promise<number>;

const ms = (from: Nanos, to: Nanos): number => (to - from) / 1e6;

/**
 * Output tokens: server-reported usage first, else `tokenized` (the tokenizer over the received text),
 * else one per delta, in that order of trust; the source always travels with the count.
 */
export function outputTokens(tl: Timeline, tokenized: number | undefined): TokenCount {
  if (tl.usageOutputTokens !== undefined) {
    const streamed = streamedTokens(tl.usageOutputTokens, tl.usageReasoningTokens, tl.reasoningDeltas > 0);
    return { output: tl.usageOutputTokens, source: 'usage', streamed };
  }
  if (tokenized !== undefined) return { output: tokenized, source: 'tokenizer', streamed: tokenized };
  return { output: tl.deltas, source: 'chunks', streamed: tl.deltas };
}

/**
 * Usage-reported output tokens less the reasoning tokens among them that never arrived as deltas (a
 * reasoning model that hides its reasoning still counts it).
 */
export function streamedTokens(output: number, reasoning: number | undefined, reasoningStreamed: boolean): number {
  return Math.max(0, output - (reasoningStreamed ? 0 : (reasoning ?? 0)));
}

/** A request's stamps (a line's phases) and its delta count: what its one-value metrics come from. */
export type RequestStamps = Pick<Timeline, Phase | 'deltas'>;

/**
 * The metrics that are one value per request, computed from its stamps alone: what a requests.jsonl line
 * (its phases) reproduces. The rest come from per-token lists or state a line does not keep.
 */
export const PER_REQUEST_METRICS = [
  'dns_ms',
  'connect_ms',
  'tls_ms',
  'handshake_ms',
  'ttfb_ms',
  'overhead_ms',
  'ttft_ms',
  'tpot_ms',
  'decode_tps',
  'e2e_ms',
  'input_tokens',
  'output_tokens',
] as const satisfies readonly MetricName[];
export type PerRequestMetric = (typeof PER_REQUEST_METRICS)[number];

/** Where per-request values go: a MetricSet while running, compare's sample collector from requests.jsonl. */
export interface ValueSink {
  record(name: PerRequestMetric, value: number): void;
}

/**
 * Records every metric of a finished, successful request (README "Metrics"; core/catalog.ts).
 * `origin` is the request start the latencies count from: the intended start for open-loop load
 * (coordinated omission), the actual start for closed-loop load.
 */
export function recordRequest(tl: Timeline, set: MetricSet, origin: Nanos, tokens: TokenCount): void {
  recordStream(tl, set, origin);
  completionValues(tl, origin, tokens.streamed, set);
  lengthValues(tl.inputTokens ?? (tl.promptTokens || undefined), tokens.output, set);
}

/** A completed request's lengths: input (the server's count, else the client's of a prompt it made) and output. */
export function lengthValues(input: number | undefined, output: number, sink: ValueSink): void {
  if (input !== undefined) sink.record('input_tokens', input);
  sink.record('output_tokens', output);
}

/** What only a completed request has: its per-token time and rate, and its end. */
export function completionValues(s: RequestStamps, origin: Nanos, streamed: number, sink: ValueSink): void {
  const tpot = tpotMs(s, streamed);
  if (tpot !== undefined) {
    sink.record('tpot_ms', tpot);
    sink.record('decode_tps', (streamed - 1) / ((s.lastDelta - s.firstDelta) / 1e9));
  }
  sink.record('e2e_ms', ms(origin, s.doneAt));
}

/** Per-token time between the first and last delta; undefined when fewer than two streamed tokens span time. */
function tpotMs(s: RequestStamps, streamed: number): number | undefined {
  const span = s.lastDelta - s.firstDelta;
  return streamed > 1 && s.deltas > 1 && span > 0 ? span / 1e6 / (streamed - 1) : undefined;
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
    within(slo.tpot_ms, tpotMs(tl, tokens.streamed), true) &&
    within(slo.itl_ms, tl.itl.length > 0 ? maxGap : undefined, true)
  );
}

/**
 * What a request measured up to its last delta: all of a cancelled (interrupted) stream's metrics, since
 * a stream cut short has no end, output count or rate.
 */
export function recordStream(tl: Timeline, set: MetricSet, origin: Nanos): void {
  streamValues(tl, origin, set);
  for (const gap of tl.itl) set.record('itl_ms', gap);
  if (tl.redirectFrom !== 0 && tl.firstDelta !== 0) set.record('redirect_ms', ms(tl.redirectFrom, tl.firstDelta));
  if (tl.scheduled) set.record('schedule_delay_ms', ms(tl.intended, tl.start));
  for (const d of tl.tokenDelay) set.record('token_delay_ms', d);
}

/** The one-value metrics of a stream up to its last delta: connection set-up, first byte, acceptance, first token. */
export function streamValues(s: RequestStamps, origin: Nanos, sink: ValueSink): void {
  if (s.connStart !== 0) {
    const tcpFrom = s.dnsEnd || s.connStart;
    if (s.dnsEnd !== 0) sink.record('dns_ms', ms(s.connStart, s.dnsEnd));
    if (s.connectEnd !== 0) sink.record('connect_ms', ms(tcpFrom, s.connectEnd));
    if (s.tlsEnd !== 0 && s.connectEnd !== 0) sink.record('tls_ms', ms(s.connectEnd, s.tlsEnd));
  }
  if (s.upgraded !== 0) {
    // The upgrade request leaves when the socket is ready, even if ws was told to end() it earlier.
    const sent = Math.max(s.upgradeSent, s.tlsEnd || s.connectEnd);
    sink.record('handshake_ms', ms(sent, s.upgraded));
  }
  if (s.firstByte !== 0) sink.record('ttfb_ms', ms(origin, s.firstByte));
  if (s.ackAt !== 0) sink.record('overhead_ms', ms(origin, s.ackAt));
  if (s.firstDelta !== 0) sink.record('ttft_ms', ms(origin, s.firstDelta));
}
