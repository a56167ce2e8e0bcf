import type { Socket } from 'node:net';

import { nonNegativeInt, RequestError, requireObject, SERVER_ERROR } from './errors.js';
import { type FaultOut, resetSocket } from './fault-out.js';
import type { Emitter } from './generation.js';
import { type Prompt, promptOf } from './input.js';
import type { PromptTokens } from './prefix-cache.js';
import type { EventOut } from './responses.js';
import { hexId } from './responses-items.js';

/** OpenAI Realtime `response.create` fields the server acts on, GA or beta names. */
export interface RealtimeRequest {
  /** Undefined when absent or "inf": the server's output length. */
  maxOutputTokens: number | undefined;
  /** The response's own instructions and input items. */
  prompt: Prompt;
}

/** `response` of a response.create; absent means "the session's defaults", which is valid. */
export function parseRealtimeRequest(response: unknown): RealtimeRequest {
  const b = response === undefined ? {} : requireObject(response);
  const modalities = b.output_modalities ?? b.modalities;
  if (Array.isArray(modalities) && !modalities.includes('text')) {
    throw new RequestError(
      'invalid_value',
      "The reference server answers in text only: output_modalities must include 'text'.",
      'response.output_modalities',
    );
  }
  // GA names the cap max_output_tokens; the beta named it max_response_output_tokens.
  const key = b.max_output_tokens !== undefined ? 'max_output_tokens' : 'max_response_output_tokens';
  return {
    maxOutputTokens: b[key] === 'inf' ? undefined : nonNegativeInt(b, key),
    prompt: promptOf(b.instructions, b.input),
  };
}

/** Server event ids, unique on their socket (every Realtime server event carries one). */
export class EventIds {
  private readonly prefix = hexId('event_').slice(0, 14);
  private n = 0;

  next(): string {
    return this.prefix + (this.n++).toString(36);
  }
}

type Status = 'in_progress' | 'completed' | 'cancelled' | 'failed';

/**
 * The Realtime (GA) events of one text response: response.created, the output item and its content
 * part added, one response.output_text.delta per delta, the text, part and item done, response.done with
 * the usage. A cancelled or failed response ends with response.done all the same, its status saying why.
 */
export class RealtimeEmitter implements Emitter {
  private readonly id = hexId('resp_');
  private readonly itemId = hexId('item_');
  /** The fields of every delta event after its event_id, up to the delta string. */
  private readonly deltaFields = `,"response_id":"${this.id}","item_id":"${this.itemId}","output_index":0,"content_index":0,"delta":`;
  private tail = '}';
  private acked = false;

  constructor(
    private readonly req: RealtimeRequest,
    private readonly input: PromptTokens,
    private readonly out: EventOut,
    private readonly ids: EventIds,
    private readonly conversationId: string,
  ) {}

  open(tail: string): void {
    this.tail = tail;
    this.out.begin();
  }

  ack(): void {
    this.acked = true;
    this.emit('response.created', { response: this.response('in_progress', [], null, null) });
    this.emit('response.output_item.added', {
      response_id: this.id,
      output_index: 0,
      item: this.item('in_progress', undefined),
    });
    this.emit('response.content_part.added', { ...this.part(), part: { type: 'output_text', text: '' } });
  }

  delta(text: string): void {
    // Only the text goes through JSON.stringify.
    this.emitRaw('response.output_text.delta', `${this.deltaFields}${JSON.stringify(text)}`);
  }

  done(text: string, outputTokens: number): void {
    this.emit('response.output_text.done', { ...this.part(), text });
    this.emit('response.content_part.done', { ...this.part(), part: { type: 'output_text', text } });
    const item = this.item('completed', text);
    this.emit('response.output_item.done', { response_id: this.id, output_index: 0, item });
    this.emit('response.done', { response: this.response('completed', [item], null, outputTokens) });
  }

  flush(last: boolean): void {
    this.out.end(last);
  }

  /**
   * The answer to response.cancel, in a batch of its own once the generation has stopped: the item as
   * far as it got, then response.done with status cancelled and the usage so far.
   */
  cancelled(tail: string, sofar: { text: string; outputTokens: number }): void {
    this.open(tail);
    const output: unknown[] = [];
    if (this.acked) {
      const item = this.item('incomplete', sofar.text);
      this.emit('response.output_item.done', { response_id: this.id, output_index: 0, item });
      output.push(item);
    }
    const details = { type: 'cancelled', reason: 'client_cancelled' };
    this.emit('response.done', { response: this.response('cancelled', output, details, sofar.outputTokens) });
    this.flush(true);
  }

  /**
   * Injected faults in Realtime's shape: a failure after output began is reported as response.done with
   * status failed and the error in its status_details (the socket stays usable); a text delta cut off
   * inside its string; a reset.
   */
  faultOut(socket: Socket): FaultOut {
    const error = { type: SERVER_ERROR.type, code: SERVER_ERROR.code, message: SERVER_ERROR.message };
    return {
      error: () =>
        this.emit('response.done', { response: this.response('failed', [], { type: 'failed', error }, null) }),
      malformed: () =>
        this.out.event(
          'response.output_text.delta',
          `{"type":"response.output_text.delta","event_id":"${this.ids.next()}","delta":"`,
        ),
      reset: () => resetSocket(socket),
    };
  }

  private part(): Record<string, unknown> {
    return { response_id: this.id, item_id: this.itemId, output_index: 0, content_index: 0 };
  }

  private item(status: 'in_progress' | 'completed' | 'incomplete', text: string | undefined): Record<string, unknown> {
    const content = text === undefined ? [] : [{ type: 'output_text', text }];
    return { id: this.itemId, object: 'realtime.item', type: 'message', status, role: 'assistant', content };
  }

  private response(
    status: Status,
    output: unknown[],
    details: unknown,
    outputTokens: number | null,
  ): Record<string, unknown> {
    const { input, cached } = this.input;
    return {
      object: 'realtime.response',
      id: this.id,
      status,
      status_details: details,
      output,
      conversation_id: this.conversationId,
      output_modalities: ['text'],
      max_output_tokens: this.req.maxOutputTokens ?? 'inf',
      usage:
        outputTokens === null
          ? null
          : {
              total_tokens: input + outputTokens,
              input_tokens: input,
              output_tokens: outputTokens,
              input_token_details: {
                cached_tokens: cached,
                text_tokens: input,
                audio_tokens: 0,
                cached_tokens_details: { text_tokens: cached, audio_tokens: 0 },
              },
              output_token_details: { text_tokens: outputTokens, audio_tokens: 0 },
            },
      metadata: null,
    };
  }

  private emit(type: string, fields: Record<string, unknown>): void {
    this.emitRaw(type, `,${JSON.stringify(fields).slice(1, -1)}`);
  }

  private emitRaw(type: string, fields: string): void {
    this.out.event(type, `{"type":"${type}","event_id":"${this.ids.next()}"${fields}${this.tail}`);
  }
}
