import { stampValue } from '../core/clock.js';
import type { Channel, EventSink, Nanos, ProtocolAdapter, RequestInput, StreamDecoder } from '../core/types.js';
import { classifyError, isObject, parseObject, reportMalformed, reportStreamEnded } from './errors.js';
import { FieldScan } from './json-scan.js';
import { textMessages } from './messages.js';
import { SseStreamDecoder } from './sse.js';

/**
 * Anthropic Messages streaming (`POST /v1/messages`): named SSE events whose data repeats the name in
 * `type`, so the data alone is decoded. HTTP only, single-turn: agent-loop sessions need the Responses
 * wire.
 */

/** Delta kinds of `content_block_delta`: the `delta.type`, the field that carries the text, its channel. */
const DELTA_KINDS: ReadonlyArray<readonly [type: string, field: string, channel: Channel]> = [
  ['text_delta', 'text', 'text'],
  ['thinking_delta', 'thinking', 'reasoning'],
  ['input_json_delta', 'partial_json', 'tool'],
];
const KIND_TYPES = DELTA_KINDS.map(([type]) => Buffer.from(type));
const CONTENT_BLOCK_DELTA = Buffer.from('content_block_delta');

/**
 * HTTP statuses Anthropic documents for each error type. A stream error arrives after a 200, so the
 * status it would have had is what lets the shared classification tell overload (529) from a bad request.
 */
const ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

// Top-level keys.
const TYPE = 0;
const DELTA = 1;
const STAMP = 2;
// Keys of `delta`: its type, then the text fields in DELTA_KINDS order.
const DELTA_TYPE = 0;
const LBRACE = 123;

/**
 * Turns Messages events into sink calls: message_start is the ack, content_block_delta the deltas,
 * message_delta the (cumulative) usage, message_stop the end. Text, thinking and tool-input deltas, nearly
 * all of a stream, take a byte-scanning fast path; `fastPath: false` runs the parse path alone.
 */
export class MessagesEvents {
  /** done or error has been reported; later events are dropped. */
  finished = false;
  private responseId: string | undefined;
  private inputTokens: number | undefined;
  private cachedTokens: number | undefined;
  private outputTokens: number | undefined;
  private readonly delta = new FieldScan(['type', ...DELTA_KINDS.map(([, field]) => field)]);
  private readonly top = new FieldScan(['type', 'delta', 'wb_t'], { delta: this.delta });

  constructor(
    private readonly sink: EventSink,
    private readonly fastPath = true,
  ) {}

  event(buf: Buffer, start: number, end: number, t: Nanos): void {
    if (this.finished || (this.fastPath && this.fastDelta(buf, start, end, t))) return;
    this.parsed(buf.toString('utf8', start, end), t);
  }

  private fastDelta(buf: Buffer, start: number, end: number, t: Nanos): boolean {
    const { top, delta } = this;
    if (!top.scan(buf, start, end) || !top.isString(buf, TYPE) || !top.stringIs(buf, TYPE, CONTENT_BLOCK_DELTA))
      return false;
    // The nested scanner also reads the first element of an array: only an object is a delta.
    if (top.start[DELTA] < 0 || buf[top.start[DELTA]] !== LBRACE || !delta.isString(buf, DELTA_TYPE)) return false;
    for (let k = 0; k < KIND_TYPES.length; k++) {
      if (!delta.stringIs(buf, DELTA_TYPE, KIND_TYPES[k])) continue;
      const field = k + 1;
      if (!delta.isString(buf, field)) return false;
      this.sink.delta(t, DELTA_KINDS[k][2], delta.string(buf, field), top.stamp(buf, STAMP));
      return true;
    }
    return false;
  }

  private parsed(json: string, t: Nanos): void {
    const ev = parseObject(json);
    if (ev === undefined) {
      this.finished = true;
      return reportMalformed(this.sink, t, json);
    }
    switch (ev.type) {
      case 'content_block_delta':
        return this.blockDelta(ev, t);
      case 'message_start': {
        const message = isObject(ev.message) ? ev.message : {};
        if (typeof message.id === 'string') this.responseId = message.id;
        this.counts(message.usage, false);
        return this.sink.ack(t);
      }
      case 'message_delta':
        return this.counts(ev.usage, true);
      case 'message_stop':
        this.finished = true;
        if (this.outputTokens !== undefined)
          this.sink.usage(this.inputTokens, this.outputTokens, undefined, this.cachedTokens);
        return this.sink.done(t, this.responseId);
      case 'error':
        this.finished = true;
        return reportError(this.sink, t, ev);
    }
    // ping, content_block_start/stop and types added later carry nothing we measure.
  }

  private blockDelta(ev: Record<string, unknown>, t: Nanos): void {
    const d = ev.delta;
    if (!isObject(d)) return;
    const kind = DELTA_KINDS.find(([type]) => type === d.type);
    if (kind === undefined) return;
    const text = d[kind[1]];
    if (typeof text === 'string') this.sink.delta(t, kind[2], text, stampValue(ev.wb_t));
  }

  /**
   * message_start's usage counts the input; its output_tokens is a placeholder (1, before any output),
   * so `output` is false there. message_delta's output_tokens is the running total, and newer API
   * versions repeat the input count there. Anthropic's input_tokens leaves out what the prompt cache read
   * and wrote: the input is their sum, of which the cache reads were served from the cache.
   */
  private counts(usage: unknown, output: boolean): void {
    if (!isObject(usage)) return;
    if (typeof usage.input_tokens === 'number') {
      const read = typeof usage.cache_read_input_tokens === 'number' ? usage.cache_read_input_tokens : 0;
      const written = typeof usage.cache_creation_input_tokens === 'number' ? usage.cache_creation_input_tokens : 0;
      this.inputTokens = usage.input_tokens + read + written;
      if (typeof usage.cache_read_input_tokens === 'number') this.cachedTokens = read;
    }
    if (output && typeof usage.output_tokens === 'number') this.outputTokens = usage.output_tokens;
  }
}

/** `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`. */
function reportError(sink: EventSink, t: Nanos, ev: Record<string, unknown>): void {
  const inner = isObject(ev.error) ? ev.error : {};
  const type = typeof inner.type === 'string' ? inner.type : undefined;
  const message = typeof inner.message === 'string' ? inner.message : undefined;
  const status = type !== undefined && Object.hasOwn(ERROR_STATUS, type) ? ERROR_STATUS[type] : undefined;
  sink.error(t, classifyError(undefined, type, status), type, message);
}

function sseDecoder(sink: EventSink, fastPath: boolean): StreamDecoder {
  const events = new MessagesEvents(sink, fastPath);
  return new SseStreamDecoder(events, (t) => {
    if (!events.finished) reportStreamEnded(sink, t, 'message_stop');
  });
}

/** Anthropic takes the system prompt apart from the messages. */
function messagesBody(req: RequestInput): Record<string, unknown> {
  const all = textMessages(req);
  const system = all.filter((m) => m.role === 'system').map((m) => m.text);
  const messages = all.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.text }));
  return system.length > 0 ? { system: system.join('\n\n'), messages } : { messages };
}

export const anthropicMessages = {
  kind: 'anthropic-messages',
  http: {
    path: '/v1/messages',
    // Authentication (x-api-key) is the scenario's; the version header is what the wire format needs.
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'anthropic-version': '2023-06-01' },
    encode: (req: RequestInput): string =>
      JSON.stringify({
        model: req.model,
        max_tokens: req.maxOutputTokens,
        ...messagesBody(req),
        stream: true,
        ...req.extra,
      }),
    decoder: (sink: EventSink, fastPath = true): StreamDecoder => sseDecoder(sink, fastPath),
  },
} satisfies ProtocolAdapter;
