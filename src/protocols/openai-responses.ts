import type {
  EventSink,
  InputItem,
  MessageDecoder,
  Nanos,
  ProtocolAdapter,
  RequestInput,
  StreamDecoder,
} from '../core/types.js';
import { DeltaTemplate } from './delta-template.js';
import { DeltaTypes, TypedDeltaReader } from './delta-types.js';
import {
  cachedTokens,
  isObject,
  parseObject,
  reasoningTokens,
  reportErrorPayload,
  reportIncomplete,
  reportMalformed,
  reportStreamEnded,
} from './errors.js';
import { SseStreamDecoder } from './sse.js';

/**
 * OpenAI Responses API, over HTTP SSE and in WebSocket mode. Both wires carry the same JSON events, so
 * one event decoder serves both.
 */

const DELTAS = new DeltaTypes([
  ['response.output_text.delta', 'text'],
  ['response.reasoning_text.delta', 'reasoning'],
  ['response.reasoning_summary_text.delta', 'reasoning'],
  ['response.function_call_arguments.delta', 'tool'],
]);

/**
 * Events that repeat the answer (the whole text, once each) and that nothing here reads: once the scan
 * has found them well-formed, parsing them would only build that text again.
 */
const REPEATS = [
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.reasoning_text.done',
  'response.reasoning_summary_text.done',
  'response.function_call_arguments.done',
].map((type) => Buffer.from(type));

/** The servers write `type` first: an event starting so is parsed without a scan first. */
const COMPLETED = Buffer.from('{"type":"response.completed"');

/**
 * Turns Responses events (one JSON object each) into sink calls. Delta events, nearly all of a stream,
 * take a byte-scanning fast path; everything else is `JSON.parse`d. `fastPath: false` runs the parse path
 * alone, which is how the tests prove the two agree.
 */
export class ResponsesEvents {
  /** done or error has been reported; later events are dropped. */
  finished = false;
  private readonly deltas = new TypedDeltaReader(DELTAS);
  private readonly template = new DeltaTemplate();

  constructor(
    private readonly sink: EventSink,
    private readonly fastPath = true,
  ) {}

  event(buf: Buffer, start: number, end: number, t: Nanos): void {
    if (this.finished || (this.fastPath && this.fastDelta(buf, start, end, t))) return;
    this.parsed(buf.toString('utf8', start, end), t);
  }

  private fastDelta(buf: Buffer, start: number, end: number, t: Nanos): boolean {
    const tpl = this.template;
    if (tpl.match(buf, start, end)) {
      this.sink.delta(t, 'text', tpl.delta, tpl.written);
      return true;
    }
    // response.completed is parsed whatever a scan found: scanning it first would only read it twice.
    const head = start + COMPLETED.length;
    if (head <= end && COMPLETED.compare(buf, start, head) === 0) return false;
    return this.deltas.fast(buf, start, end, t, this.sink) || this.deltas.scannedType(buf, REPEATS);
  }

  private parsed(json: string, t: Nanos): void {
    const ev = parseObject(json);
    if (ev === undefined) {
      this.finished = true;
      return reportMalformed(this.sink, t, json);
    }
    const type = ev.type;
    if (typeof type !== 'string') return;
    if (this.deltas.parsed(ev, type, t, this.sink)) return;
    const response = isObject(ev.response) ? ev.response : {};
    switch (type) {
      case 'response.created':
        return this.sink.ack(t);
      case 'response.completed':
        return this.complete(response, t);
      case 'response.incomplete': {
        const reason = isObject(response.incomplete_details) ? response.incomplete_details.reason : undefined;
        // Hitting max_output_tokens is how a capped benchmark generation normally ends, not a failure.
        if (reason === 'max_output_tokens') return this.complete(response, t);
        this.finished = true;
        return reportIncomplete(this.sink, t, reason);
      }
      case 'response.failed':
        this.finished = true;
        return reportErrorPayload(this.sink, t, response, 'server_error');
      case 'error':
        this.finished = true;
        return reportErrorPayload(this.sink, t, ev);
    }
  }

  private complete(response: Record<string, unknown>, t: Nanos): void {
    // The completed response lists every output item: the function calls the next turn must answer.
    if (Array.isArray(response.output)) {
      for (const item of response.output) {
        if (isObject(item) && item.type === 'function_call' && typeof item.call_id === 'string') {
          this.sink.toolCall({
            callId: item.call_id,
            name: typeof item.name === 'string' ? item.name : '',
            arguments: typeof item.arguments === 'string' ? item.arguments : '',
          });
        }
      }
    }
    const usage = response.usage;
    if (isObject(usage) && typeof usage.output_tokens === 'number') {
      this.sink.usage(
        typeof usage.input_tokens === 'number' ? usage.input_tokens : undefined,
        usage.output_tokens,
        reasoningTokens(usage.output_tokens_details),
        cachedTokens(usage.input_tokens_details),
      );
    }
    this.finished = true;
    this.sink.done(t, typeof response.id === 'string' ? response.id : undefined);
  }
}

function sseDecoder(sink: EventSink, fastPath: boolean): StreamDecoder {
  const events = new ResponsesEvents(sink, fastPath);
  return new SseStreamDecoder(events, (t) => {
    if (!events.finished) reportStreamEnded(sink, t, 'response.completed');
  });
}

class ResponsesWsDecoder implements MessageDecoder {
  private readonly events: ResponsesEvents;

  constructor(sink: EventSink, fastPath: boolean) {
    this.events = new ResponsesEvents(sink, fastPath);
  }

  message(data: Buffer, t: Nanos): boolean {
    this.events.event(data, 0, data.length, t);
    return this.events.finished;
  }
}

/** The one tool an agent-loop benchmark offers: what it does does not matter, that it is called does. */
export const BENCH_TOOL = {
  type: 'function',
  name: 'lookup',
  description: 'Looks up the answer to a query in the project knowledge base.',
  parameters: {
    type: 'object',
    properties: { query: { type: 'string', description: 'what to look up' } },
    required: ['query'],
    additionalProperties: false,
  },
  strict: true,
} as const;

function inputItem(item: InputItem): Record<string, unknown> {
  switch (item.kind) {
    case 'user':
    case 'assistant':
    case 'system':
      return { type: 'message', role: item.kind, content: item.text };
    case 'call':
      return { type: 'function_call', call_id: item.call.callId, name: item.call.name, arguments: item.call.arguments };
    case 'output':
      return { type: 'function_call_output', call_id: item.callId, output: item.output };
  }
}

function body(req: RequestInput, head: Record<string, unknown>): string {
  return JSON.stringify({
    ...head,
    input: req.items === undefined ? req.prompt : req.items.map(inputItem),
    ...(req.tool !== undefined ? { tools: [BENCH_TOOL], tool_choice: req.tool } : {}),
    ...(req.store !== undefined ? { store: req.store } : {}),
    ...req.extra,
    ...(req.previousResponseId !== undefined ? { previous_response_id: req.previousResponseId } : {}),
  });
}

export const openaiResponses = {
  kind: 'openai-responses',
  sessions: true,
  http: {
    path: '/v1/responses',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    encode: (req: RequestInput): string =>
      body(req, { model: req.model, max_output_tokens: req.maxOutputTokens, stream: true }),
    decoder: (sink: EventSink, fastPath = true): StreamDecoder => sseDecoder(sink, fastPath),
  },
  ws: {
    path: '/v1/responses',
    // What OpenAI's WebSocket mode asks of the upgrade (Codex CLI sends it); servers that don't know it ignore it.
    headers: { 'openai-beta': 'responses_websockets=2026-02-06' },
    encode: (req: RequestInput): string =>
      body(req, { type: 'response.create', model: req.model, max_output_tokens: req.maxOutputTokens }),
    decoder: (sink: EventSink, fastPath = true): MessageDecoder => new ResponsesWsDecoder(sink, fastPath),
  },
} satisfies ProtocolAdapter;
