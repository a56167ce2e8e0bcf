import { randomUUID } from 'node:crypto';
import { nonNegativeInt, RequestError, requireObject } from './errors.js';
import type { Emitter } from './generation.js';
import { inputTokens } from './input.js';

/** OpenAI Responses request fields the server acts on; the rest of the body is echoed. */
export interface ResponsesRequest {
  body: Record<string, unknown>;
  maxOutputTokens: number | undefined;
  previousResponseId: string | null;
  store: boolean;
  /** false: the WebSocket warm-up, answered with an empty completed response. */
  generate: boolean;
  /** Tokens of this request's own input (instructions included), without the chained context. */
  inputTokens: number;
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
    inputTokens: inputTokens(b.instructions) + inputTokens(b.input),
  };
}

function hexId(prefix: string): string {
  return prefix + randomUUID().replaceAll('-', '');
}

function echo(b: Record<string, unknown>, key: string, fallback: unknown): unknown {
  return b[key] ?? fallback;
}

/** One response's identity and object, shared by the streamed events and the plain JSON answer. */
export class ResponseTurn {
  readonly id = hexId('resp_');
  readonly msgId = hexId('msg_');
  /** Tokens of the conversation including this request's input: what a chained turn builds on. */
  readonly contextTokens: number;
  private readonly object: Record<string, unknown>;

  constructor(
    readonly req: ResponsesRequest,
    previousContextTokens: number,
  ) {
    this.contextTokens = previousContextTokens + req.inputTokens;
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

  message(status: 'in_progress' | 'completed', text: string | undefined): Record<string, unknown> {
    const content = text === undefined ? [] : [{ type: 'output_text', annotations: [], text }];
    return { id: this.msgId, type: 'message', status, content, role: 'assistant' };
  }

  completed(text: string, outputTokens: number): Record<string, unknown> {
    const generated = this.req.generate;
    const input = generated ? this.contextTokens : 0;
    return {
      ...this.object,
      status: 'completed',
      output: generated ? [this.message('completed', text)] : [],
      usage: {
        input_tokens: input,
        input_tokens_details: { cached_tokens: 0 },
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

const DELTA = 'response.output_text.delta';

/** The Responses streaming events, identical over SSE and WebSocket. */
export class ResponsesEmitter implements Emitter {
  private seq = 0;
  private tail = '}';
  private readonly deltaMid: string;

  constructor(
    private readonly turn: ResponseTurn,
    private readonly out: EventOut,
  ) {
    this.deltaMid = `,"item_id":"${turn.msgId}","output_index":0,"content_index":0,"delta":`;
  }

  open(tail: string): void {
    this.tail = tail;
    this.out.begin();
  }

  ack(): void {
    const t = this.turn;
    this.emit('response.created', { response: t.inProgress() });
    if (!t.req.generate) return;
    this.emit('response.in_progress', { response: t.inProgress() });
    this.emit('response.output_item.added', { output_index: 0, item: t.message('in_progress', undefined) });
    this.emit('response.content_part.added', {
      item_id: t.msgId,
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', annotations: [], text: '' },
    });
  }

  delta(text: string): void {
    // The hot path: only the text goes through JSON.stringify.
    this.out.event(
      DELTA,
      `{"type":"${DELTA}","sequence_number":${this.seq++}${this.deltaMid}${JSON.stringify(text)},"logprobs":[]${this.tail}`,
    );
  }

  done(text: string, outputTokens: number): void {
    const t = this.turn;
    if (t.req.generate) {
      const at = { item_id: t.msgId, output_index: 0, content_index: 0 };
      this.emit('response.output_text.done', { ...at, text, logprobs: [] });
      this.emit('response.content_part.done', { ...at, part: { type: 'output_text', annotations: [], text } });
      this.emit('response.output_item.done', { output_index: 0, item: t.message('completed', text) });
    }
    this.emit('response.completed', { response: t.completed(text, outputTokens) });
  }

  flush(last: boolean): void {
    this.out.end(last);
  }

  private emit(type: string, fields: Record<string, unknown>): void {
    const rest = JSON.stringify(fields);
    this.out.event(type, `{"type":"${type}","sequence_number":${this.seq++},${rest.slice(1, -1)}${this.tail}`);
  }
}
