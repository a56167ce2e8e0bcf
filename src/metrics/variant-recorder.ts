import type { Nanos, SessionOutcome } from '../core/types.js';
import { SCALE } from './histogram.js';
import { MetricSet } from './metric-set.js';
import { meetsSlo, outputTokens, recordRequest, recordStream, type CountTokens, type Slo, type TokenSource } from './request-metrics.js';
import type { Timeline } from './timeline.js';

/** One line of requests.jsonl. Times are ms since the run started; phases are ms since the request started. */
export interface RequestLine {
  variant: string;
  /** Sweeps: the step (from 0) in result.json's `steps`. */
  step?: number;
  i: number;
  warmup: boolean;
  ok: boolean;
  intended_ms: number;
  start_ms: number;
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
   * Sample requests only (see SAMPLED): each token's arrival, ms since the request started — what the
   * report's waterfall draws. At most MAX_SAMPLE_TOKENS.
   */
  token_ms?: number[];
  error?: { class: string; code?: string; message?: string };
}

const PHASES = [
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

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Arrivals kept per sample request: a waterfall cannot show more ticks than its width in pixels anyway. */
const MAX_SAMPLE_TOKENS = 4096;

/**
 * Which successful measured requests carry their token arrivals: the 1st, 2nd, 4th, 8th… so the samples
 * spread over the whole run (start-up and steady state) and their number grows with log2 of its length.
 */
const SAMPLED = (ok: number): boolean => (ok & (ok - 1)) === 0;

/** Token arrival times of a request, ms since its start, from its first delta and the gaps after it. */
function tokenArrivals(tl: Timeline): number[] {
  let t = (tl.firstDelta - tl.start) / 1e6;
  const out = [round3(t)];
  for (let k = 0; k < tl.itl.length && out.length < MAX_SAMPLE_TOKENS; k++) {
    t += tl.itl[k];
    out.push(round3(t));
  }
  return out;
}

/**
 * Folds finished requests of one variant into histograms and counters, and streams one JSONL line per
 * request; nothing per request is kept, so memory stays flat however long the run.
 */
export class VariantRecorder {
  readonly metrics = new MetricSet();
  requests = 0;
  ok = 0;
  warmup = 0;
  /** Measured requests cut short by the user's stop (not in `requests`). */
  interrupted = 0;
  /** Failed attempts that were retried (not in `requests` or `errors`: their request's last attempt is). */
  retries = 0;
  /** Streams the scenario's `interrupt` cancelled on purpose (not in `requests`; their redirects are). */
  cancelled = 0;
  readonly errors: Record<string, number> = {};
  output = 0;
  input = 0;
  readonly bySource: Record<TokenSource, number> = { usage: 0, tokenizer: 0, chunks: 0 };
  connectionsOpened = 0;
  /** Measured requests that succeeded within every limit of `slo` (0 without one). */
  good = 0;
  /** Input tokens the endpoint said it served from its prompt cache (successful requests that said). */
  cached = 0;
  cachedReported = 0;
  /**
   * Successful requests whose output can be held against what they asked (counted by usage or the
   * tokenizer, not by deltas), how many of them received fewer tokens, and the tokens asked and received.
   */
  readonly lengths = { checked: 0, short: 0, requested: 0, received: 0 };
  /** Wire bytes of successful responses whose bytes could be attributed, and their output tokens. */
  wireBytes = 0;
  wireTokens = 0;
  /** Whether new requests should keep their text: until a response has come with usage. */
  needsText = true;
  /** First and last measured actual starts: the rate requests really started at (open loop). */
  firstStart = Infinity;
  lastStart = 0;
  /**
   * The measured window is the sum of the blocks' spans (first start → last end of each), so a variant
   * that ran interleaved with others is not charged for the time the others ran.
   */
  private spanNs = 0;
  private blockStart = Infinity;
  private blockEnd = 0;
  /** Last measured end of the blocks already closed (`blockEnd` is reset per block). */
  private closedEnd = 0;

  constructor(
    readonly name: string,
    private readonly runStart: Nanos,
    private readonly countTokens: CountTokens | undefined,
    private readonly writeLine: (line: RequestLine) => void,
    /** The sweep step this variant runs in, written on every line. */
    private readonly step?: number,
    /** The scenario's per-request limits, which goodput counts against. */
    readonly slo?: Slo,
  ) {}

  commit(tl: Timeline, index: number, isWarmup: boolean, origin: Nanos): void {
    if (tl.usageOutputTokens !== undefined) this.needsText = false;
    // A response without usage after others had it was not kept for the tokenizer: it counts its deltas.
    const tokens = outputTokens(tl, tl.ok && tl.texts.length > 0 ? this.countTokens : undefined);
    let sample = false;
    if (tl.retried) {
      // A failed attempt that was retried: the request's outcome is its last attempt's.
      if (!isWarmup) this.retries++;
    } else if (tl.interrupted && !tl.ok) {
      if (!isWarmup) this.interrupted++;
    } else if (isWarmup) {
      this.warmup++;
    } else if (tl.cancelledAt !== 0) {
      // Interrupted on purpose: what it measured until the cancel counts, the stream is not a request.
      this.cancelled++;
      recordStream(tl, this.metrics, origin);
    } else {
      this.requests++;
      if (tl.connStart !== 0) this.connectionsOpened++;
      this.firstStart = Math.min(this.firstStart, tl.start);
      this.lastStart = Math.max(this.lastStart, tl.start);
      this.blockStart = Math.min(this.blockStart, tl.start);
      this.blockEnd = Math.max(this.blockEnd, tl.endAt || tl.start);
      if (tl.ok) {
        this.ok++;
        sample = SAMPLED(this.ok) && tl.firstDelta !== 0;
        this.output += tokens.output;
        this.input += tl.inputTokens ?? 0;
        if (tl.cachedTokens !== undefined) {
          this.cached += tl.cachedTokens;
          this.cachedReported++;
        }
        if (tl.maxOutputTokens > 0 && tokens.source !== 'chunks') {
          const l = this.lengths;
          l.checked++;
          l.requested += tl.maxOutputTokens;
          l.received += tokens.output;
          if (tokens.output < tl.maxOutputTokens) l.short++;
        }
        this.bySource[tokens.source]++;
        if (tl.bytesIn > 0) {
          this.wireBytes += tl.bytesIn;
          this.wireTokens += tokens.output;
        }
        recordRequest(tl, this.metrics, origin, tokens);
        if (this.slo !== undefined && meetsSlo(tl, origin, tokens, this.slo)) this.good++;
      } else {
        const cls = tl.errorClass ?? 'protocol';
        this.errors[cls] = (this.errors[cls] ?? 0) + 1;
      }
    }
    const line = this.line(tl, index, isWarmup, tokens.output, tokens.source);
    if (sample) line.token_ms = tokenArrivals(tl);
    this.writeLine(line);
  }

  /** Agent-loop sessions ended (measured only); not set for other loads. */
  sessions: { total: number; ok: number; interrupted: number } | undefined;

  commitSession(s: SessionOutcome, isWarmup: boolean): void {
    if (isWarmup) return;
    const c = (this.sessions ??= { total: 0, ok: 0, interrupted: 0 });
    if (s.interrupted) {
      c.interrupted++;
      return;
    }
    c.total++;
    this.metrics.record('session_turns', s.turns);
    if (s.ok) {
      c.ok++;
      this.metrics.record('session_e2e_ms', (s.end - s.start) / 1e6);
    }
  }

  /** Closes a block of this variant's requests (another variant's block may follow). */
  endBlock(): void {
    if (this.blockEnd > this.blockStart) this.spanNs += this.blockEnd - this.blockStart;
    this.closedEnd = Math.max(this.closedEnd, this.blockEnd);
    this.blockStart = Infinity;
    this.blockEnd = 0;
  }

  /**
   * TTFT median so far, for progress displays: one percentile off one histogram, not the summaries of
   * every metric (which also encode each histogram) that the result needs once at the end.
   */
  ttftMedian(): number | undefined {
    const h = this.metrics.histogram('ttft_ms');
    return h.totalCount > 0 ? h.getValueAtPercentile(50) / SCALE : undefined;
  }

  /**
   * Where the measured window ends: the last measured request's end (0 before any). With the first
   * measured start it bounds the window on the clock, which `windowSeconds` (a sum of block spans) cannot.
   */
  get lastEnd(): Nanos {
    return Math.max(this.closedEnd, this.blockEnd);
  }

  get windowSeconds(): number {
    const open = this.blockEnd > this.blockStart ? this.blockEnd - this.blockStart : 0;
    return (this.spanNs + open) / 1e9;
  }

  private line(tl: Timeline, i: number, warmup: boolean, output: number, source: TokenSource): RequestLine {
    const phases: Record<string, number> = {};
    for (const p of PHASES) {
      const v = tl[p];
      if (v !== 0) phases[p] = round3((v - tl.start) / 1e6);
    }
    const line: RequestLine = {
      variant: this.name,
      ...(this.step !== undefined ? { step: this.step } : {}),
      i,
      warmup,
      ok: tl.ok,
      intended_ms: round3((tl.intended - this.runStart) / 1e6),
      start_ms: round3((tl.start - this.runStart) / 1e6),
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
}
