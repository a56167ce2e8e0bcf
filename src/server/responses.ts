import type { TokenRequest } from './context.js';
import { nonNegativeInt, RequestError, requireObject } from './errors.js';
import type { Emitter } from './generation.js';
import { type Prompt, promptOf } from './input.js';
import { lengthKnobs } from './length.js';
import type { PromptTokens } from './prefix-cache.js';
import { type EventSink, FunctionCallItem, hexId, MessageItem, type OutputItem } from './responses-items.js';

/** OpenAI Responses request fields the server acts on; the rest of the body is echoed. */
export interface ResponsesRequest {
  body: Record<string, unknown>;
  maxOutputTokens: number | undefined;
  previousResponseId: string | null;
  store: boolean;
  /** false: the WebSocket warm-up, answered with an empty completed response. */
  generate: boolean;
  /** This request's own input (instructions first), without the chained context. */
  prompt: Prompt;
  /** vLLM's exact-length knobs. */
  ignoreEos: boolean;
  minTokens: number;
  /** The function tool_choice forces a call to; null: answer with a message. */
  forcedCall: string | null;
  /** call_ids of the function_call_output items in the input. */
  callOutputs: ReadonlySet<string>;
}

export function parseResponsesRequest(body: unknown): ResponsesRequest {
  const b = requireObject(body);
  const maxOutputTokens = nonNegativeInt(b, 'max_output_tokens');
  const prev = b.previous_response_id;
  if (prev != null && typeof prev !== 'string') {
    throw new RequestError('invalid_type', 'previous_response_id must be a string.', 'previous_response_id');
  }
  return {
    body: b,
    maxOutputTokens,
    previousResponseId: prev ?? null,
    store: b.store !== false,
    generate: b.generate !== false,
    prompt: promptOf(b.instructions, b.input),
    ...lengthKnobs(b, maxOutputTokens),
    forcedCall: forcedCall(b.tool_choice, b.tools),
    callOutputs: callOutputs(b.input),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A call is forced the way the real API is asked for one (`required`, or a named function), so that a
 * scenario benchmarking an agent loop runs unchanged against OpenAI; other choices get a message.
 */
function forcedCall(choice: unknown, tools: unknown): string | null {
  const named = isRecord(choice) && choice.type === 'function';
  if (choice !== 'required' && !named) return null;
  const functions = Array.isArray(tools)
    ? (tools as unknown[])
        .filter(isRecord)
        .filter((t) => t.type === 'function')
        .map((t) => t.name)
    : [];
  const name = named ? choice.name : functions[0];
  if (typeof name !== 'string' || !functions.includes(name)) {
    const message = named
      ? `Tool choice '${String(name)}' not found in 'tools' parameter.`
      : "tool_choice 'required' needs a function tool in 'tools'.";
    throw new RequestError('invalid_value', message, 'tool_choice');
  }
  return name;
}

function callOutputs(input: unknown): Set<string> {
  const ids = new Set<string>();
  if (Array.isArray(input)) {
    for (const item of input) {
      if (isRecord(item) && item.type === 'function_call_output' && typeof item.call_id === 'string')
        ids.add(item.call_id);
    }
  }
  return ids;
}

function echo(b: Record<string, unknown>, key: string, fallback: unknown): unknown {
  return b[key] ?? fallback;
}

/** One response's identity and object, shared by the streamed events and the plain JSON answer. */
export class ResponseTurn {
  readonly id = hexId('resp_');
  readonly item: OutputItem;
  private readonly object: Record<string, unknown>;

  constructor(
    readonly req: ResponsesRequest,
    /** Its input, the chained context included: the tokens of the conversation so far. */
    readonly input: PromptTokens,
  ) {
    this.item = req.forcedCall === null ? new MessageItem() : new FunctionCallItem(req.forcedCall);
    const b = req.body;
    this.object = {
      id: this.id,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status: 'in_progress',
      background: false,
      error: null,
      incomplete_details: null,
      instructions: echo(b, 'instructions', null),
      max_output_tokens: req.maxOutputTokens ?? null,
      model: echo(b, 'model', 'wirebench-reference'),
      output: [],
      parallel_tool_calls: echo(b, 'parallel_tool_calls', true),
      previous_response_id: req.previousResponseId,
      reasoning: echo(b, 'reasoning', { effort: null, summary: null }),
      store: req.store,
      temperature: echo(b, 'temperature', 1),
      text: echo(b, 'text', { format: { type: 'text' } }),
      tool_choice: echo(b, 'tool_choice', 'auto'),
      tools: echo(b, 'tools', []),
      top_p: echo(b, 'top_p', 1),
      truncation: echo(b, 'truncation', 'disabled'),
      usage: null,
      user: echo(b, 'user', null),
      metadata: echo(b, 'metadata', {}),
    };
  }

  inProgress(): Record<string, unknown> {
    return this.object;
  }

  /** Tokens of the conversation including this request's input: what a chained turn builds on. */
  get contextTokens(): number {
    return this.input.input;
  }

  /** What the generation is asked for: nothing to decode for the warm-up. */
  get tokens(): TokenRequest {
    const r = this.req;
    if (!r.generate) return { max: 0, input: this.input };
    return { max: r.maxOutputTokens, ignoreEos: r.ignoreEos, minTokens: r.minTokens, input: this.input };
  }

  /** call_ids a request chaining from this response must answer (the warm-up generates none). */
  get pendingCalls(): readonly string[] {
    return this.req.generate ? this.item.pendingCalls : [];
  }

  completed(text: string, outputTokens: number): Record<string, unknown> {
    const generated = this.req.generate;
    const input = generated ? this.input.input : 0;
    return {
      ...this.object,
      status: 'completed',
      output: generated ? [this.item.completed(text)] : [],
      usage: {
        input_tokens: input,
        input_tokens_details: { cached_tokens: generated ? this.input.cached : 0 },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: input + outputTokens,
      },
    };
  }
}

/** Where Responses events go: SSE frames or WebSocket messages. */
export interface EventOut {
  begin(): void;
  event(type: string, json: string): void;
  end(last: boolean): void;
}

/** The Responses streaming events, identical over SSE and WebSocket. */
export class ResponsesEmitter implements Emitter, EventSink {
  private seq = 0;
  private tail = '}';

  constructor(
    private readonly turn: ResponseTurn,
    private readonly out: EventOut,
  ) {}

  open(tail: string): void {
    this.tail = tail;
    this.out.begin();
  }

  ack(): void {
    const t = this.turn;
    this.emit('response.created', { response: t.inProgress() });
    if (!t.req.generate) return;
    this.emit('response.in_progress', { response: t.inProgress() });
    t.item.added(this);
  }

  delta(text: string): void {
    this.turn.item.delta(this, text);
  }

  done(text: string, outputTokens: number): void {
    const t = this.turn;
    if (t.req.generate) t.item.done(this, text);
    this.emit('response.completed', { response: t.completed(text, outputTokens) });
  }

  flush(last: boolean): void {
    this.out.end(last);
  }

  emit(type: string, fields: Record<string, unknown>): void {
    const rest = JSON.stringify(fields);
    this.emitRaw(type, `,${rest.slice(1, -1)}`);
  }

  emitRaw(type: string, fields: string): void {
    this.out.event(type, `{"type":"${type}","sequence_number":${this.seq++}${fields}${this.tail}`);
  }
}
