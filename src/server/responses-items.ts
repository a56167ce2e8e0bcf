import { randomUUID } from 'node:crypto';

export function hexId(prefix: string): string {
  return prefix + randomUUID().replaceAll('-', '');
}

/** Where an item's events go: the emitter numbers and stamps them. */
export interface EventSink {
  emit(type: string, fields: Record<string, unknown>): void;
  /** The hot path: `fields` is the JSON text of the fields after sequence_number, from a leading comma. */
  emitRaw(type: string, fields: string): void;
}

/**
 * The one output item of a generated response: its events around the generated deltas, and its final
 * form for response.output (the non-streamed answer included).
 */
export interface OutputItem {
  /** call_ids a request chaining from this response must answer with function_call_output items. */
  readonly pendingCalls: readonly string[];
  completed(text: string): Record<string, unknown>;
  added(out: EventSink): void;
  delta(out: EventSink, text: string): void;
  done(out: EventSink, text: string): void;
}

const TEXT_DELTA = 'response.output_text.delta';

/** An assistant message whose text is the generated words. */
export class MessageItem implements OutputItem {
  readonly pendingCalls: readonly string[] = [];
  private readonly id = hexId('msg_');
  private readonly deltaFields = `,"item_id":"${this.id}","output_index":0,"content_index":0,"delta":`;

  completed(text: string): Record<string, unknown> {
    return this.object('completed', text);
  }

  added(out: EventSink): void {
    out.emit('response.output_item.added', { output_index: 0, item: this.object('in_progress', undefined) });
    out.emit('response.content_part.added', {
      item_id: this.id,
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', annotations: [], text: '' },
    });
  }

  delta(out: EventSink, text: string): void {
    // Only the text goes through JSON.stringify.
    out.emitRaw(TEXT_DELTA, `${this.deltaFields}${JSON.stringify(text)},"logprobs":[]`);
  }

  done(out: EventSink, text: string): void {
    const at = { item_id: this.id, output_index: 0, content_index: 0 };
    out.emit('response.output_text.done', { ...at, text, logprobs: [] });
    out.emit('response.content_part.done', { ...at, part: { type: 'output_text', annotations: [], text } });
    out.emit('response.output_item.done', { output_index: 0, item: this.completed(text) });
  }

  private object(status: 'in_progress' | 'completed', text: string | undefined): Record<string, unknown> {
    const content = text === undefined ? [] : [{ type: 'output_text', annotations: [], text }];
    return { id: this.id, type: 'message', status, content, role: 'assistant' };
  }
}

const ARGS_DELTA = 'response.function_call_arguments.delta';
const ARGS_OPEN = '{"query":"';
const ARGS_CLOSE = '"}';

/** The generated words as the inside of a JSON string; escaping is per character, so pieces concatenate. */
function escaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/**
 * A forced function call whose arguments are `{"query":"<the generated words>"}`, streamed as the words
 * are generated: the first delta carries the opening, a last one the closing, so that the deltas always
 * concatenate to valid JSON equal to `arguments`.
 */
export class FunctionCallItem implements OutputItem {
  readonly pendingCalls: readonly string[];
  private readonly id = hexId('fc_');
  private readonly callId = hexId('call_');
  private readonly deltaFields = `,"item_id":"${this.id}","output_index":0,"delta":`;
  /** Argument text not yet sent: the opening, until the first delta takes it. */
  private unsent = ARGS_OPEN;

  constructor(private readonly name: string) {
    this.pendingCalls = [this.callId];
  }

  completed(text: string): Record<string, unknown> {
    return this.object('completed', ARGS_OPEN + escaped(text) + ARGS_CLOSE);
  }

  added(out: EventSink): void {
    out.emit('response.output_item.added', { output_index: 0, item: this.object('in_progress', '') });
  }

  delta(out: EventSink, text: string): void {
    this.send(out, this.unsent + escaped(text));
  }

  done(out: EventSink, text: string): void {
    this.send(out, this.unsent + ARGS_CLOSE);
    const item = this.completed(text);
    out.emit('response.function_call_arguments.done', { item_id: this.id, output_index: 0, arguments: item.arguments });
    out.emit('response.output_item.done', { output_index: 0, item });
  }

  private send(out: EventSink, piece: string): void {
    this.unsent = '';
    out.emitRaw(ARGS_DELTA, `${this.deltaFields}${JSON.stringify(piece)}`);
  }

  private object(status: 'in_progress' | 'completed', args: string): Record<string, unknown> {
    return { id: this.id, type: 'function_call', status, arguments: args, call_id: this.callId, name: this.name };
  }
}
