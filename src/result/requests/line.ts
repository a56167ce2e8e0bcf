import type { TokenSource } from '../result.js';

/** One line of requests.jsonl. Times are ms since the run started; phases are ms since the request started. */
export interface RequestLine {
  variant: string;
  /** Sweeps: the step (from 0) in result.json's `steps`. */
  step?: number;
  /** `workers: N`: the worker thread (from 1) that made the request; `i` and `session` count per worker. */
  worker?: number;
  i: number;
  warmup: boolean;
  ok: boolean;
  intended_ms: number;
  start_ms: number;
  /** Phase name (PHASES) → ms; a stamp that never happened is absent. */
  phases: Record<string, number>;
  status: number;
  reused: boolean;
  /** Bytes read from the connection for this response (0 / absent where not attributable, e.g. HTTP/2). */
  bytes_in?: number;
  /** TLS connections: negotiated protocol (ALPN), TLS version, and whether the session was resumed. */
  tls?: { alpn?: string; version?: string; resumed?: boolean };
  deltas: number;
  output_tokens: number;
  token_source: TokenSource;
  /** Output tokens asked for (max_output_tokens): with output_tokens, whether the endpoint stopped early. */
  max_output_tokens?: number;
  /** o200k tokens of the prompt the client made (synthesized prompts only; a dataset's text is not counted). */
  prompt_tokens?: number;
  /** Input tokens as the server counted them (usage). */
  input_tokens?: number;
  /** Of those, served from the endpoint's prompt cache (usage), when it says. */
  cached_tokens?: number;
  /** The dataset record the request came from: its line in the file. */
  record?: number;
  /** Reasoning tokens the server counted in the output (hidden ones are left out of tpot/decode_tps). */
  reasoning_tokens?: number;
  first_channel?: string;
  response_id?: string;
  /** Agent loops: the session and turn (from 0), and the response id this turn chained to. */
  session?: number;
  turn?: number;
  previous_response_id?: string;
  /** Interrupts: this stream was cancelled on purpose / this request is the redirect that followed one (same `i`). */
  cancelled?: true;
  redirect?: true;
  /** Retries: the attempt (from 0; absent for the first), and whether another attempt followed this one. */
  attempt?: number;
  retried?: true;
  /**
   * Sample requests only (the recorder picks them): each token's arrival, ms since the request started —
   * what the report's waterfall draws. At most MAX_SAMPLE_TOKENS.
   */
  token_ms?: number[];
  error?: { class: string; code?: string; message?: string };
}

/**
 * A request's stamps (Timeline's names; ns, 0 = never happened), in the order a line's `phases` lists
 * them: both what a line keeps and what the per-request metrics are computed from.
 */
export const PHASES = [
  'connStart',
  'dnsEnd',
  'connectEnd',
  'tlsEnd',
  'upgradeSent',
  'upgraded',
  'requestSent',
  'firstByte',
  'ackAt',
  'firstDelta',
  'lastDelta',
  'doneAt',
  'errorAt',
  'cancelledAt',
] as const;
export type Phase = (typeof PHASES)[number];

/**
 * What a line is made of: a finished request's Timeline, by shape (result/ does not import metrics/),
 * so that building a line copies nothing first.
 */
export interface LineSource extends Readonly<Record<Phase, number>> {
  readonly intended: number;
  readonly start: number;
  readonly ok: boolean;
  readonly status: number;
  readonly reused: boolean;
  readonly bytesIn: number;
  readonly alpn?: string;
  readonly tlsVersion?: string;
  readonly tlsResumed?: boolean;
  readonly deltas: number;
  /** Gaps between deltas, ms. */
  readonly itl: readonly number[];
  readonly maxOutputTokens: number;
  readonly promptTokens: number;
  readonly inputTokens?: number;
  readonly cachedTokens?: number;
  readonly record: number;
  readonly usageReasoningTokens?: number;
  readonly firstChannel?: string;
  readonly responseId?: string;
  readonly session: number;
  readonly turn: number;
  readonly previousId?: string;
  readonly attempt: number;
  readonly retried: boolean;
  readonly redirectFrom: number;
  /** Cut short by the user stopping the run. */
  readonly interrupted: boolean;
  readonly errorClass?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** Whose lines a recorder writes: its variant (and sweep step), and the run's start the times count from. */
export interface LineOwner {
  variant: string;
  step?: number;
  runStart: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Arrivals kept per sample request: a waterfall cannot show more ticks than its width in pixels anyway. */
const MAX_SAMPLE_TOKENS = 4096;

/** The line of a finished request, as requests.jsonl has it (field order included: the file's bytes). */
export function requestLine(
  owner: LineOwner,
  tl: LineSource,
  i: number,
  warmup: boolean,
  output: number,
  source: TokenSource,
): RequestLine {
  const phases: Record<string, number> = {};
  for (const p of PHASES) {
    const v = tl[p];
    if (v !== 0) phases[p] = round3((v - tl.start) / 1e6);
  }
  const line: RequestLine = {
    variant: owner.variant,
    ...(owner.step !== undefined ? { step: owner.step } : {}),
    i,
    warmup,
    ok: tl.ok,
    intended_ms: round3((tl.intended - owner.runStart) / 1e6),
    start_ms: round3((tl.start - owner.runStart) / 1e6),
    phases,
    status: tl.status,
    reused: tl.reused,
    deltas: tl.deltas,
    output_tokens: output,
    token_source: source,
  };
  if (tl.bytesIn > 0) line.bytes_in = tl.bytesIn;
  if (tl.tlsVersion !== undefined) line.tls = { alpn: tl.alpn, version: tl.tlsVersion, resumed: tl.tlsResumed };
  if (tl.maxOutputTokens > 0) line.max_output_tokens = tl.maxOutputTokens;
  if (tl.promptTokens > 0) line.prompt_tokens = tl.promptTokens;
  if (tl.inputTokens !== undefined) line.input_tokens = tl.inputTokens;
  if (tl.cachedTokens !== undefined) line.cached_tokens = tl.cachedTokens;
  if (tl.record > 0) line.record = tl.record;
  if (tl.usageReasoningTokens !== undefined) line.reasoning_tokens = tl.usageReasoningTokens;
  if (tl.firstChannel !== undefined) line.first_channel = tl.firstChannel;
  if (tl.responseId !== undefined) line.response_id = tl.responseId;
  if (tl.turn >= 0) {
    line.session = tl.session;
    line.turn = tl.turn;
    if (tl.previousId !== undefined) line.previous_response_id = tl.previousId;
  }
  if (tl.attempt > 0) line.attempt = tl.attempt;
  if (tl.retried) line.retried = true;
  if (tl.cancelledAt !== 0) line.cancelled = true;
  if (tl.redirectFrom !== 0) line.redirect = true;
  if (tl.interrupted && !tl.ok) {
    line.error = { class: 'interrupted', message: 'cut short by the user stopping the run' };
  } else if (tl.errorClass !== undefined) {
    line.error = { class: tl.errorClass, code: tl.errorCode, message: tl.errorMessage };
  }
  return line;
}

/** A sample request's `token_ms`: from its first delta and the gaps after it. */
export function tokenArrivals(tl: LineSource): number[] {
  let t = (tl.firstDelta - tl.start) / 1e6;
  const out = [round3(t)];
  for (let k = 0; k < tl.itl.length && out.length < MAX_SAMPLE_TOKENS; k++) {
    t += tl.itl[k];
    out.push(round3(t));
  }
  return out;
}
