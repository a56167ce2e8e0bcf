import type { Channel, ErrorClass, EventSink, Nanos, RequestRecord, ToolCall } from '../core/types.js';

/**
 * One request's named timestamps and decoded events (guidellm's RequestTimings). Transports write the
 * phase fields; adapters call the EventSink methods. Everything derived (TTFT, ITL, tokens…) is computed
 * once the request is over, in request-metrics.ts, so a failed request never reaches a histogram.
 */
export class Timeline implements RequestRecord, EventSink {
  connStart = 0;
  dnsEnd = 0;
  connectEnd = 0;
  tlsEnd = 0;
  upgradeSent = 0;
  upgraded = 0;
  requestSent = 0;
  firstByte = 0;
  status = 0;
  reused = false;
  bytesIn = 0;
  retryAfterMs = 0;
  /** What the connection's TLS handshake negotiated (every request over TLS, not only the first). */
  alpn: string | undefined;
  tlsVersion: string | undefined;
  tlsResumed: boolean | undefined;

  /** Started by an arrival schedule (open loop): latencies count from `intended`. */
  scheduled = false;
  /** Cut short by the user stopping the run: counted apart, neither ok nor an endpoint failure. */
  interrupted = false;
  ackAt = 0;
  firstDelta = 0;
  lastDelta = 0;
  doneAt = 0;
  firstChannel: Channel | undefined;
  /** Non-empty deltas: chunk-level events, not tokens. */
  deltas = 0;
  inputTokens: number | undefined;
  /** Input tokens the endpoint served from its prompt cache (usage), when it says. */
  cachedTokens: number | undefined;
  usageOutputTokens: number | undefined;
  usageReasoningTokens: number | undefined;
  /** Non-empty reasoning deltas: whether the reasoning the usage counts was streamed at all. */
  reasoningDeltas = 0;
  responseId: string | undefined;
  errorClass: ErrorClass | undefined;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  errorAt = 0;
  /** Gaps between consecutive non-empty deltas, ms; kept per request so that only successes are recorded. */
  readonly itl: number[] = [];
  /** Server write → client receive per delta, ms (reference server with stamping only). */
  readonly tokenDelay: number[] = [];
  /** Delta texts, kept only for the tokenizer fallback (see `keepText`). */
  readonly texts: string[] = [];
  /** What was asked: o200k tokens of the prompt when the client made it (0: not known), output tokens. */
  promptTokens = 0;
  maxOutputTokens = 0;
  /** The dataset record the request came from (its line; 0: none). */
  record = 0;
  /** Agent loops: the session (numbered per variant) and turn this request is, and the id it chained to. */
  session = -1;
  turn = -1;
  previousId: string | undefined;
  /**
   * Interrupts: when the client cancelled this stream on purpose (the arrival time of the token that
   * triggered it); the transport's abort error that follows is not a failure.
   */
  cancelledAt = 0;
  /** Retries: this attempt failed and another followed; and which attempt this is (0: the first). */
  retried = false;
  attempt = 0;
  /** A redirected request: the interrupt it follows, from which `redirect_ms` counts. */
  redirectFrom = 0;
  /** Called for every non-empty delta when set (interrupts count tokens with it). */
  watch: ((t: Nanos, text: string) => void) | undefined;
  /** Function calls the response ended with: what an agent loop's next turn answers. */
  readonly toolCalls: ToolCall[] = [];

  /**
   * @param intended when the load model meant the request to start (open-loop latencies count from here;
   *   the closed loop has no schedule, so there it equals `start`)
   * @param start when it actually started
   * @param keepText keep the delta texts for the tokenizer fallback. Off once the endpoint has shown it
   *   reports usage: holding every delta string of a long response until it ends pushes them into the
   *   old generation, and the major collections that follow pause the loop that stamps arrivals.
   */
  constructor(
    readonly intended: Nanos,
    readonly start: Nanos,
    private readonly keepText = true,
  ) {}

  ack(t: Nanos): void {
    if (this.ackAt === 0) this.ackAt = t;
  }

  delta(t: Nanos, channel: Channel, text: string, written: Nanos | undefined): void {
    // Empty deltas (role-only chunks, keep-alives) are not output: they must not end TTFT. Nor is what
    // the same read still carried after the client cancelled.
    if (text.length === 0 || this.cancelledAt !== 0) return;
    if (this.ackAt === 0) this.ackAt = t;
    if (this.firstDelta === 0) {
      this.firstDelta = t;
      this.firstChannel = channel;
    } else {
      this.itl.push((t - this.lastDelta) / 1e6);
    }
    this.lastDelta = t;
    this.deltas++;
    if (channel === 'reasoning') this.reasoningDeltas++;
    if (this.keepText) this.texts.push(text);
    if (written !== undefined && !Number.isNaN(written)) this.tokenDelay.push((t - written) / 1e6);
    this.watch?.(t, text);
  }

  /** Takes over what `other` asked for (another attempt at the same request). */
  asks(other: Timeline): this {
    this.promptTokens = other.promptTokens;
    this.maxOutputTokens = other.maxOutputTokens;
    this.record = other.record;
    return this;
  }

  /** The client stops this stream on purpose at `t` (interrupt): what follows is not the endpoint's failure. */
  cancel(t: Nanos): void {
    if (this.cancelledAt === 0 && this.doneAt === 0 && this.errorClass === undefined) this.cancelledAt = t;
  }

  usage(
    inputTokens: number | undefined,
    outputTokens: number,
    reasoningTokens: number | undefined,
    cachedTokens?: number,
  ): void {
    this.inputTokens = inputTokens;
    this.cachedTokens = cachedTokens;
    this.usageOutputTokens = outputTokens;
    this.usageReasoningTokens = reasoningTokens;
  }

  done(t: Nanos, responseId: string | undefined): void {
    if (this.doneAt !== 0 || this.errorClass !== undefined || this.cancelledAt !== 0) return;
    this.doneAt = t;
    this.responseId = responseId;
  }

  error(t: Nanos, cls: ErrorClass, code: string | undefined, message: string | undefined): void {
    // The first cause is the one worth reporting (a reset after a timeout is the timeout's doing), and
    // a socket that drops after the response completed does not fail it.
    if (this.errorClass !== undefined || this.doneAt !== 0 || this.cancelledAt !== 0) return;
    // A server failure after output began costs the user a partial answer, a different thing from a
    // request refused up front: one rule here serves every protocol and wire.
    this.errorClass = cls === 'server_error' && this.firstDelta !== 0 ? 'stream_error' : cls;
    this.errorCode = code;
    this.errorMessage = message;
    this.errorAt = t;
  }

  toolCall(call: ToolCall): void {
    this.toolCalls.push(call);
  }

  /** A response that completed but cannot serve the load model (e.g. no tool call where one was required). */
  reject(t: Nanos, cls: ErrorClass, code: string, message: string): void {
    this.doneAt = 0;
    this.error(t, cls, code, message);
  }

  get ok(): boolean {
    return this.doneAt !== 0 && this.errorClass === undefined;
  }

  /** When the request was over, however it ended. */
  get endAt(): Nanos {
    return this.doneAt || this.errorAt || this.cancelledAt;
  }
}
