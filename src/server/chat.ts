import { randomUUID } from 'node:crypto';

import type { TokenRequest } from './context.js';
import { nonNegativeInt, requireObject } from './errors.js';
import type { Emitter } from './generation.js';
import { type Prompt, promptOf } from './input.js';
import { lengthKnobs } from './length.js';
import type { PromptTokens } from './prefix-cache.js';
import type { SseWriter } from './sse-writer.js';

/** OpenAI Chat Completions request fields the server acts on. */
export interface ChatRequest {
  model: string;
  maxTokens: number | undefined;
  stream: boolean;
  includeUsage: boolean;
  prompt: Prompt;
  /** vLLM's exact-length knobs. */
  ignoreEos: boolean;
  minTokens: number;
}

export function parseChatRequest(body: unknown): ChatRequest {
  const b = requireObject(body);
  const maxTokens = nonNegativeInt(b, 'max_completion_tokens') ?? nonNegativeInt(b, 'max_tokens');
  const so = b.stream_options;
  return {
    model: typeof b.model === 'string' ? b.model : 'wirebench-reference',
    maxTokens,
    stream: b.stream === true,
    includeUsage: typeof so === 'object' && so !== null && (so as Record<string, unknown>).include_usage === true,
    prompt: promptOf(b.messages),
    ...lengthKnobs(b, maxTokens),
  };
}

/** Identity of one chat completion, shared by the chunks and the plain JSON answer. */
export class ChatTurn {
  readonly id = 'chatcmpl-' + randomUUID().replaceAll('-', '');
  readonly created = Math.floor(Date.now() / 1000);

  constructor(
    readonly req: ChatRequest,
    readonly input: PromptTokens,
  ) {}

  /** What the generation is asked for. */
  get tokens(): TokenRequest {
    const r = this.req;
    return { max: r.maxTokens, ignoreEos: r.ignoreEos, minTokens: r.minTokens, input: this.input };
  }

  /** OpenAI's usage object, cached prompt tokens included. */
  usage(completionTokens: number): Record<string, unknown> {
    const prompt = this.input.input;
    return {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
      prompt_tokens_details: { cached_tokens: this.input.cached },
    };
  }

  /** The non-streamed `chat.completion` object. */
  completion(text: string, completionTokens: number): Record<string, unknown> {
    return {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.req.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: this.usage(completionTokens),
    };
  }
}

/** `chat.completion.chunk` events: role chunk, one chunk per delta, the stop chunk, usage, [DONE]. */
export class ChatEmitter implements Emitter {
  private tail = '}';
  private readonly head: string;

  constructor(
    private readonly turn: ChatTurn,
    private readonly out: SseWriter,
  ) {
    const r = turn.req;
    this.head = `{"id":"${turn.id}","object":"chat.completion.chunk","created":${turn.created},"model":${JSON.stringify(r.model)},"choices":`;
  }

  open(tail: string): void {
    this.tail = tail;
    this.out.begin();
  }

  ack(): void {
    this.out.data(
      `${this.head}[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]${this.tail}`,
    );
  }

  delta(text: string): void {
    this.out.data(
      `${this.head}[{"index":0,"delta":{"content":${JSON.stringify(text)}},"finish_reason":null}]${this.tail}`,
    );
  }

  done(_text: string, completionTokens: number): void {
    this.out.data(`${this.head}[{"index":0,"delta":{},"finish_reason":"stop"}]${this.tail}`);
    if (this.turn.req.includeUsage) {
      this.out.data(`${this.head}[],"usage":${JSON.stringify(this.turn.usage(completionTokens))}${this.tail}`);
    }
    this.out.data('[DONE]');
  }

  flush(last: boolean): void {
    this.out.end(last);
  }
}
