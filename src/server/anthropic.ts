import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';

import { RequestError, requireObject } from './errors.js';
import { type FaultOut, resetSocket } from './fault-out.js';
import type { Emitter } from './generation.js';
import { type Prompt, promptOf } from './input.js';
import type { PromptTokens } from './prefix-cache.js';
import type { SseWriter } from './sse-writer.js';

/** Anthropic Messages request fields the server acts on. */
export interface MessagesRequest {
  model: string;
  maxTokens: number;
  stream: boolean;
  prompt: Prompt;
}

/** Anthropic requires max_tokens and at least one message; the twin rejects what the real API rejects. */
export function parseMessagesRequest(body: unknown): MessagesRequest {
  const b = requireObject(body);
  const max = b.max_tokens;
  if (max == null) throw new RequestError(null, 'max_tokens: Field required');
  if (!(Number.isInteger(max) && (max as number) >= 1)) {
    throw new RequestError(null, 'max_tokens: Input should be an integer greater than or equal to 1');
  }
  if (b.messages == null) throw new RequestError(null, 'messages: Field required');
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    throw new RequestError(null, 'messages: at least one message is required');
  }
  return {
    model: typeof b.model === 'string' ? b.model : 'wirebench-reference',
    maxTokens: max as number,
    stream: b.stream === true,
    prompt: promptOf(b.system, b.messages),
  };
}

/** Anthropic's error body, for requests the twin rejects. */
export function messagesErrorBody(message: string): string {
  return JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } });
}

/** Identity of one message, shared by the streamed events and the plain JSON answer. */
export class MessageTurn {
  readonly id = 'msg_' + randomUUID().replaceAll('-', '');

  constructor(
    readonly req: MessagesRequest,
    readonly input: PromptTokens,
  ) {}

  /** The generation stops at max_tokens or by itself (the server's output length). */
  stopReason(outputTokens: number): string {
    return outputTokens >= this.req.maxTokens ? 'max_tokens' : 'end_turn';
  }

  /** The `message` object: empty as message_start carries it, complete as the non-streamed answer. */
  message(content: unknown[], stopReason: string | null, outputTokens: number): Record<string, unknown> {
    return {
      id: this.id,
      type: 'message',
      role: 'assistant',
      model: this.req.model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      // As Anthropic counts: input_tokens is what the cache did not serve.
      usage: {
        input_tokens: this.input.input - this.input.cached,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: this.input.cached,
        output_tokens: outputTokens,
      },
    };
  }

  completed(text: string, outputTokens: number): Record<string, unknown> {
    return this.message([{ type: 'text', text }], this.stopReason(outputTokens), outputTokens);
  }
}

/**
 * The Messages streaming events, in the real API's order: message_start, content_block_start and a ping
 * accept the request; one content_block_delta per delta; content_block_stop, message_delta (stop reason,
 * output tokens) and message_stop end it.
 */
export class MessagesEmitter implements Emitter {
  private tail = '}';

  constructor(
    private readonly turn: MessageTurn,
    private readonly out: SseWriter,
  ) {}

  open(tail: string): void {
    this.tail = tail;
    this.out.begin();
  }

  ack(): void {
    this.emit('message_start', `,"message":${JSON.stringify(this.turn.message([], null, 0))}`);
    this.emit('content_block_start', ',"index":0,"content_block":{"type":"text","text":""}');
    this.emit('ping', '');
  }

  delta(text: string): void {
    this.emit('content_block_delta', `,"index":0,"delta":{"type":"text_delta","text":${JSON.stringify(text)}}`);
  }

  done(_text: string, outputTokens: number): void {
    this.emit('content_block_stop', ',"index":0');
    const reason = this.turn.stopReason(outputTokens);
    this.emit(
      'message_delta',
      `,"delta":{"stop_reason":"${reason}","stop_sequence":null},"usage":{"output_tokens":${outputTokens}}`,
    );
    this.emit('message_stop', '');
  }

  flush(last: boolean): void {
    this.out.end(last);
  }

  /**
   * Injected faults in Anthropic's shape: the `error` event it sends when overloaded mid-stream (then
   * nothing more), a text delta cut off inside its string, a reset.
   */
  faultOut(socket: Socket | null): FaultOut {
    return {
      error: () => this.emit('error', ',"error":{"type":"overloaded_error","message":"Overloaded"}'),
      malformed: () =>
        this.out.event(
          'content_block_delta',
          '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"',
        ),
      reset: () => resetSocket(socket),
    };
  }

  private emit(type: string, fields: string): void {
    this.out.event(type, `{"type":"${type}"${fields}${this.tail}`);
  }
}
