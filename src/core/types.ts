/**
 * The contracts the load core asks of its collaborators. The consumer owns the interface: transports
 * (transport/) and protocol adapters (protocols/) implement these and register by `kind`; the metrics
 * timeline (metrics/timeline.ts) implements `EventSink` and `RequestTimings`.
 */

/**
 * Monotonic time in nanoseconds since the process clock epoch (core/clock.ts), as a double: exact to
 * the nanosecond for 104 days, and cheaper on the hot path than bigint arithmetic.
 */
export type Nanos = number;

export type Channel = 'text' | 'reasoning' | 'tool';

export const ERROR_CLASSES = [
  'http_status',
  'rate_limited',
  'server_error',
  /** The server reported a failure after output had started: a partial answer was lost. */
  'stream_error',
  'protocol',
  'timeout',
  'reset',
  'connect',
  /** This machine ran out of something (file descriptors, memory, buffers): the endpoint is not to blame. */
  'client',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/**
 * The normalized stream events (docs/measurement.md), delivered as calls rather than objects so that decoding a
 * token allocates nothing. `t` is the arrival time of the bytes that carried the event, taken by the
 * transport before any parsing.
 */
export interface EventSink {
  /** The server accepted the request (response.created, the role-only first chat chunk, …). */
  ack(t: Nanos): void;
  /**
   * Output text, reasoning text or tool-call arguments. `written` is the reference server's `wb_t` write
   * time (decimal `process.hrtime.bigint()`) in harness time (clock.ts `fromStamp`, `stampAt`): undefined
   * when the event has no stamp, NaN when it is not one.
   */
  delta(t: Nanos, channel: Channel, text: string, written: Nanos | undefined): void;
  /**
   * Server-reported token counts. `reasoningTokens`: how many of the output tokens were reasoning (a
   * reasoning model may count them without streaming them); `cachedTokens`: how many of the input tokens
   * the endpoint served from its prompt cache.
   */
  usage(
    inputTokens: number | undefined,
    outputTokens: number,
    reasoningTokens: number | undefined,
    cachedTokens?: number,
  ): void;
  /** The response is complete. */
  done(t: Nanos, responseId: string | undefined): void;
  /** The request failed; the first error of a request wins. */
  error(t: Nanos, cls: ErrorClass, code: string | undefined, message: string | undefined): void;
  /** A function call the response ended with (reported with the completed response, before `done`). */
  toolCall(call: ToolCall): void;
}

/** A function call the model made: what the next turn of an agent loop must answer. */
export interface ToolCall {
  callId: string;
  name: string;
  arguments: string;
}

/**
 * A conversation item of a multi-turn request, protocol-neutral: the adapter encodes it in its own
 * shape (Responses input items, chat messages, …).
 */
export type InputItem =
  | { kind: 'user' | 'assistant' | 'system'; text: string }
  | { kind: 'call'; call: ToolCall }
  | { kind: 'output'; callId: string; output: string };

/** What one request sends, independent of the wire. */
export interface RequestInput {
  model: string;
  prompt: string;
  maxOutputTokens: number;
  /** Extra body fields, merged into the encoded body last. */
  extra: Record<string, unknown>;
  previousResponseId?: string;
  /** Conversation items sent instead of `prompt` (session turns: new items only, or the whole history). */
  items?: readonly InputItem[];
  /**
   * Agent loops: `required` offers the benchmark's tool and makes the model call it (the turns between
   * tool calls), `none` offers it but asks for text (the last turn); absent, no tools are sent.
   */
  tool?: 'required' | 'none';
  /** Ask the server to keep the response for chaining over HTTP (Responses `store`). */
  store?: boolean;
}

/** Decodes one HTTP response body (2xx only: the transport classifies other statuses itself). */
export interface StreamDecoder {
  /** A body chunk, exactly as it arrived at `t`. */
  push(chunk: Buffer, t: Nanos): void;
  /** The body ended at `t`: reports a protocol error when the stream never completed. */
  end(t: Nanos): void;
}

/** Decodes the messages of one turn on a WebSocket. */
export interface MessageDecoder {
  /** One text message that arrived at `t`. Returns true once the turn is over (done or error). */
  message(data: Buffer, t: Nanos): boolean;
}

export interface HttpProtocol {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  encode(req: RequestInput): string;
  decoder(sink: EventSink): StreamDecoder;
}

/**
 * The abort reason of an exchange the client cancels on purpose (interrupt), as opposed to a deadline:
 * a transport whose protocol can cancel in-band does that instead of dropping the connection.
 */
export const CLIENT_CANCEL = 'client-cancel';

export interface WsProtocol {
  readonly path: string;
  /** Headers of the upgrade request the protocol itself needs (the scenario's come on top). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Query parameters of the upgrade URL, from the request that opens the socket (Realtime names the
   * model there); every turn on the socket shares them.
   */
  query?(req: RequestInput): Readonly<Record<string, string>>;
  /**
   * For protocols whose server speaks first on a new socket (Realtime's session.created): whether `data`,
   * the socket's first message, says the session is ready. No turn is sent before it, so it is nobody's
   * first byte; any other first message is decoded as the failure of the request that opened the socket.
   */
  ready?(data: Buffer): boolean;
  encode(req: RequestInput): string;
  decoder(sink: EventSink): MessageDecoder;
  /** The message that cancels the active response and keeps the socket (Realtime `response.cancel`). */
  readonly cancel?: string;
}

export interface ProtocolAdapter {
  readonly kind: string;
  /** Absent for protocols that exist only over WebSocket (OpenAI Realtime). */
  readonly http?: HttpProtocol;
  /** Present only for protocols that have a WebSocket mode. */
  readonly ws?: WsProtocol;
  /** Encodes conversation items and the benchmark tool, and reports tool calls (agent-loop sessions). */
  readonly sessions?: boolean;
  /**
   * Every message of the stream is a choice chunk (Chat Completions): the first, often a role chunk
   * without text, is stamped as the ack, and the finish_reason chunk with the end. vLLM's benchmark
   * counts those messages as tokens (`run --definitions vllm`).
   */
  readonly choiceFrames?: boolean;
}

export const CONNECTION_POLICIES = [
  'http-fresh',
  'http-keepalive',
  'http2',
  'ws-persistent',
  'ws-per-request',
] as const;
export type ConnectionPolicy = (typeof CONNECTION_POLICIES)[number];

/**
 * Named timestamps of one request (guidellm's RequestTimings), written by the transport as the
 * lifecycle hooks fire. 0 means "did not happen". Connection phases are set only when this request
 * opened the connection.
 */
export interface RequestTimings {
  connStart: Nanos;
  dnsEnd: Nanos;
  connectEnd: Nanos;
  tlsEnd: Nanos;
  upgradeSent: Nanos;
  upgraded: Nanos;
  requestSent: Nanos;
  firstByte: Nanos;
  status: number;
  /** The connection existed before this request. */
  reused: boolean;
  /** A refused request's `retry-after`, in ms (0: none given). */
  retryAfterMs: number;
  /** Bytes read from the connection for this response (HTTP/1.1 and WebSocket; 0 where not attributable, e.g. HTTP/2). */
  bytesIn: number;
  /**
   * TLS facts of the connection that carried this request (every request on it, not only the one that
   * opened it); absent over plain TCP. `alpn`: the negotiated protocol ('h2', 'http/1.1'), `tlsVersion`:
   * e.g. 'TLSv1.3', `tlsResumed`: the handshake resumed an earlier session instead of a full one.
   */
  alpn?: string;
  tlsVersion?: string;
  tlsResumed?: boolean;
}

/** The per-request record a transport fills: phase timestamps plus the decoded events. */
export type RequestRecord = RequestTimings & EventSink;

export interface TransportOptions {
  /** Base URL of the endpoint, e.g. http://127.0.0.1:8080 (path prefix allowed). */
  target: URL;
  headers: Readonly<Record<string, string>>;
  perMessageDeflate: boolean;
  /**
   * Trust for https/wss targets: extra CA certificates (PEM), or none at all (`insecure`). `resume`
   * (default true): a virtual user's new connection resumes the TLS session of its previous one, as a
   * warm client does; false makes every handshake a full one, what a cold client pays.
   */
  /** Open TCP connections here instead of the target's address (a network-emulation relay). */
  dial?: { host: string; port: number };
  tls?: { ca?: string; insecure?: boolean; resume?: boolean };
}

/** One virtual user's view of a connection policy: holds its connection(s) between requests. */
export interface Connection {
  /**
   * Sends one request and settles when its stream is over. Never rejects: every failure is reported
   * to `rec.error`. Aborting `signal` ends the exchange with a `timeout` error.
   */
  exchange(req: RequestInput, rec: RequestRecord, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface Transport {
  readonly kind: ConnectionPolicy;
  connection(protocol: ProtocolAdapter, opts: TransportOptions): Connection;
}

/** How one agent-loop session ended. Times are harness time; `turns` counts the turns that completed. */
export interface SessionOutcome {
  start: Nanos;
  end: Nanos;
  turns: number;
  ok: boolean;
  /** Cut short by the user stopping the run. */
  interrupted: boolean;
}
