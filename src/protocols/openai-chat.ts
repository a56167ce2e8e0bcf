import { stampValue } from '../core/clock.js';
import type { EventSink, Nanos, ProtocolAdapter, RequestInput, StreamDecoder } from '../core/types.js';
import {
  cachedTokens,
  isObject,
  parseObject,
  reasoningTokens,
  reportErrorPayload,
  reportMalformed,
  reportStreamEnded,
} from './errors.js';
import { FieldScan } from './json-scan.js';
import { chatMessages } from './messages.js';
import { SseStreamDecoder } from './sse.js';

/**
 * OpenAI Chat Completions streaming (`data: {chunk}` … `data: [DONE]`), as served by OpenAI, vLLM,
 * SGLang, llama.cpp and most OpenAI-compatible servers. HTTP only.
 */

const DONE = Buffer.from('[DONE]');
const LBRACE = 123;

// Top-level keys.
const CHOICES = 0;
const USAGE = 1;
const ERROR = 2;
const STAMP = 3;
// Keys of a choice.
const DELTA = 0;
const FINISH = 1;
// Keys of a delta.
const CONTENT = 0;
const REASONING_CONTENT = 1;
const REASONING = 2;
const TOOL_CALLS = 3;

/**
 * Turns chunks into sink calls. The first chunk (normally role-only with empty content) is the `ack`;
 * non-empty content, reasoning and tool-call arguments are deltas. Plain single-choice content chunks,
 * nearly all of a stream, take a byte-scanning fast path; `fastPath: false` runs the parse path alone.
 */
export class ChatChunks {
  /** done or error has been reported; later events are dropped. */
  finished = false;
  /** A choice reported a finish_reason: some servers end the body there without `[DONE]`. */
  finishSeen = false;
  responseId: string | undefined;
  private acked = false;
  private readonly delta = new FieldScan(['content', 'reasoning_content', 'reasoning', 'tool_calls']);
  /** Reads `choices[0]` and its `delta` in the same walk as the chunk. */
  private readonly choice = new FieldScan(['delta', 'finish_reason'], { delta: this.delta });
  private readonly top = new FieldScan(['choices', 'usage', 'error', 'wb_t'], { choices: this.choice });

  constructor(
    private readonly sink: EventSink,
    private readonly fastPath = true,
  ) {}

  event(buf: Buffer, start: number, end: number, t: Nanos): void {
    if (this.finished) return;
    if (end - start === DONE.length && buf.compare(DONE, 0, DONE.length, start, end) === 0) {
      this.finished = true;
      return this.sink.done(t, this.responseId);
    }
    if (this.fastPath && this.acked && this.fastDelta(buf, start, end, t)) return;
    this.parsed(buf.toString('utf8', start, end), t);
  }

  private fastDelta(buf: Buffer, start: number, end: number, t: Nanos): boolean {
    const { top, choice, delta } = this;
    if (!top.scan(buf, start, end) || !top.isAbsent(buf, USAGE) || !top.isAbsent(buf, ERROR)) return false;
    // Exactly one choice, an object whose delta is an object (nested scanners also read array elements).
    if (top.start[CHOICES] < 0 || top.count[CHOICES] !== 1 || choice.start[DELTA] < 0) return false;
    if (buf[choice.start[DELTA]] !== LBRACE || !choice.isAbsent(buf, FINISH) || !delta.isAbsent(buf, TOOL_CALLS)) {
      return false;
    }
    for (let k = CONTENT; k <= REASONING; k++) {
      if (!delta.isAbsent(buf, k) && !delta.isString(buf, k)) return false;
    }
    const written = top.stamp(buf, STAMP);
    const reasoning = this.nonEmpty(buf, REASONING_CONTENT)
      ? REASONING_CONTENT
      : this.nonEmpty(buf, REASONING)
        ? REASONING
        : -1;
    if (reasoning >= 0) this.sink.delta(t, 'reasoning', delta.string(buf, reasoning), written);
    if (this.nonEmpty(buf, CONTENT)) this.sink.delta(t, 'text', delta.string(buf, CONTENT), written);
    return true;
  }

  private nonEmpty(buf: Buffer, k: number): boolean {
    return this.delta.isString(buf, k) && !this.delta.isEmptyString(k);
  }

  private parsed(json: string, t: Nanos): void {
    const chunk = parseObject(json);
    if (chunk === undefined) {
      this.finished = true;
      return reportMalformed(this.sink, t, json);
    }
    if (chunk.error !== undefined && chunk.error !== null) {
      this.finished = true;
      return reportErrorPayload(this.sink, t, chunk);
    }
    if (!this.acked) {
      this.acked = true;
      if (typeof chunk.id === 'string') this.responseId = chunk.id;
      this.sink.ack(t);
    }
    const written = stampValue(chunk.wb_t);
    if (Array.isArray(chunk.choices)) {
      for (const c of chunk.choices) if (isObject(c)) this.choiceDeltas(c, t, written);
    }
    const usage = chunk.usage;
    if (isObject(usage) && typeof usage.completion_tokens === 'number') {
      this.sink.usage(
        typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : undefined,
        usage.completion_tokens,
        reasoningTokens(usage.completion_tokens_details),
        cachedTokens(usage.prompt_tokens_details),
      );
    }
  }

  private choiceDeltas(c: Record<string, unknown>, t: Nanos, written: Nanos | undefined): void {
    if (c.finish_reason !== undefined && c.finish_reason !== null) this.finishSeen = true;
    const d = c.delta;
    if (!isObject(d)) return;
    // vLLM has sent the same reasoning as both `reasoning_content` and `reasoning`: report it once.
    const reasoning = nonEmpty(d.reasoning_content) ?? nonEmpty(d.reasoning);
    if (reasoning !== undefined) this.sink.delta(t, 'reasoning', reasoning, written);
    const content = nonEmpty(d.content);
    if (content !== undefined) this.sink.delta(t, 'text', content, written);
    if (Array.isArray(d.tool_calls)) {
      for (const call of d.tool_calls) {
        const args = isObject(call) && isObject(call.function) ? nonEmpty(call.function.arguments) : undefined;
        if (args !== undefined) this.sink.delta(t, 'tool', args, written);
      }
    }
  }
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function sseDecoder(sink: EventSink, fastPath: boolean): StreamDecoder {
  const chunks = new ChatChunks(sink, fastPath);
  return new SseStreamDecoder(chunks, (t) => {
    if (chunks.finished) return;
    // Some servers end the body without [DONE]: a finish_reason already said the answer was complete.
    if (chunks.finishSeen) sink.done(t, chunks.responseId);
    else reportStreamEnded(sink, t, '[DONE]');
  });
}

export const openaiChat = {
  kind: 'openai-chat',
  http: {
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    encode: (req: RequestInput): string =>
      JSON.stringify({
        model: req.model,
        messages: chatMessages(req),
        max_tokens: req.maxOutputTokens,
        stream: true,
        stream_options: { include_usage: true },
        ...req.extra,
      }),
    decoder: (sink: EventSink, fastPath = true): StreamDecoder => sseDecoder(sink, fastPath),
  },
  choiceFrames: true,
} satisfies ProtocolAdapter;
