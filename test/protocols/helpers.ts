import { readFileSync } from 'node:fs';

import { createParser } from 'eventsource-parser';

import type { Channel, ErrorClass, EventSink, Nanos, ToolCall } from '../../src/core/types.js';

export type Call =
  | ['ack', Nanos]
  | ['delta', Nanos, Channel, string, Nanos | undefined]
  | ['usage', number | undefined, number]
  | ['done', Nanos, string | undefined]
  | ['error', Nanos, ErrorClass, string | undefined, string | undefined]
  | ['toolCall', string, string, string];

/** An EventSink that records every call, in order. */
export class RecordingSink implements EventSink {
  readonly calls: Call[] = [];
  ack(t: Nanos): void {
    this.calls.push(['ack', t]);
  }
  delta(t: Nanos, channel: Channel, text: string, written: Nanos | undefined): void {
    this.calls.push(['delta', t, channel, text, written]);
  }
  usage(inputTokens: number | undefined, outputTokens: number): void {
    this.calls.push(['usage', inputTokens, outputTokens]);
  }
  done(t: Nanos, responseId: string | undefined): void {
    this.calls.push(['done', t, responseId]);
  }
  error(t: Nanos, cls: ErrorClass, code: string | undefined, message: string | undefined): void {
    this.calls.push(['error', t, cls, code, message]);
  }
  toolCall(call: ToolCall): void {
    this.calls.push(['toolCall', call.callId, call.name, call.arguments]);
  }
  deltas(): string[] {
    return this.calls.filter((c) => c[0] === 'delta').map((c) => c[3]);
  }
}

const FIXTURES = new URL('../fixtures/protocols/', import.meta.url);

export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

export const RESPONSES_FIXTURES = [
  'responses-text.sse',
  'responses-reasoning-tool.sse',
  'responses-error.sse',
  'responses-failed.sse',
  'responses-stamped.sse',
];
export const CHAT_FIXTURES = ['chat-text.sse', 'chat-reasoning-tools.sse', 'chat-error.sse', 'chat-no-done.sse'];

export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** The events of a stream as eventsource-parser@3 sees them (decoded with a streaming TextDecoder). */
export function referenceEvents(chunks: readonly Buffer[]): SseEvent[] {
  const out: SseEvent[] = [];
  const parser = createParser({ onEvent: (e) => out.push({ event: e.event, data: e.data }) });
  const dec = new TextDecoder();
  let last = '';
  for (const c of chunks) {
    const text = dec.decode(c, { stream: true });
    if (text !== '') last = text;
    parser.feed(text);
  }
  // eventsource-parser holds a trailing CR back until it sees whether an LF follows; at the end of the
  // stream it is a line end, which completing the CRLF pair tells it.
  if (last.endsWith('\r')) parser.feed('\n');
  return out;
}

/** The data payloads of a stream, one per event: what the same server sends as WebSocket messages. */
export function payloads(stream: Buffer): Buffer[] {
  return referenceEvents([stream]).map((e) => Buffer.from(e.data));
}

/** `stream` cut at the given offsets. */
export function splitAt(stream: Buffer, cuts: readonly number[]): Buffer[] {
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of sorted) {
    out.push(stream.subarray(prev, c));
    prev = c;
  }
  out.push(stream.subarray(prev));
  return out;
}
