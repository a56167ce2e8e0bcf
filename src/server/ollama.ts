import type { Socket } from 'node:net';

import { RequestError, requireObject } from './errors.js';
import { type FaultOut, resetSocket } from './fault-out.js';
import type { Emitter } from './generation.js';
import { type Prompt, promptOf } from './input.js';
import type { NdjsonWriter } from './ndjson-writer.js';
import type { PromptTokens } from './prefix-cache.js';

/** Ollama's two streaming endpoints differ only in where a line carries its text. */
export type OllamaEndpoint = 'generate' | 'chat';

/** Ollama request fields the server acts on. */
export interface OllamaRequest {
  endpoint: OllamaEndpoint;
  model: string;
  /** options.num_predict; negative (Ollama's "no limit") is no cap. */
  maxTokens: number | undefined;
  /** Ollama streams unless told `stream: false`. */
  stream: boolean;
  prompt: Prompt;
}

export function parseOllamaRequest(body: unknown, endpoint: OllamaEndpoint): OllamaRequest {
  const b = requireObject(body);
  if (typeof b.model !== 'string' || b.model === '') throw new RequestError(null, 'model is required');
  const options = typeof b.options === 'object' && b.options !== null ? (b.options as Record<string, unknown>) : {};
  const n = options.num_predict;
  if (n != null && !Number.isInteger(n)) throw new RequestError(null, 'option "num_predict" must be of type integer');
  return {
    endpoint,
    model: b.model,
    maxTokens: typeof n === 'number' && n >= 0 ? n : undefined,
    stream: b.stream !== false,
    prompt: endpoint === 'generate' ? promptOf(b.system, b.prompt) : promptOf(b.messages),
  };
}

/** Ollama's error body: a bare message. */
export function ollamaErrorBody(message: string): string {
  return JSON.stringify({ error: message });
}

/** One Ollama response: the shape of its lines, and the final object streamed or answered whole. */
export class OllamaTurn {
  constructor(
    readonly req: OllamaRequest,
    readonly input: PromptTokens,
  ) {}

  /** The text member of a line, `text` being a JSON string. */
  text(text: string): string {
    return this.req.endpoint === 'generate' ? `"response":${text}` : `"message":{"role":"assistant","content":${text}}`;
  }

  /** The `done: true` object: the whole answer when not streamed, the empty last line when streamed. */
  final(text: string, evalCount: number): Record<string, unknown> {
    const r = this.req;
    const content = r.endpoint === 'generate' ? { response: text } : { message: { role: 'assistant', content: text } };
    return {
      model: r.model,
      created_at: new Date().toISOString(),
      ...content,
      done: true,
      done_reason: r.maxTokens !== undefined && evalCount >= r.maxTokens ? 'length' : 'stop',
      prompt_eval_count: this.input.input,
      eval_count: evalCount,
    };
  }
}

/**
 * Ollama's NDJSON stream: one `done: false` line per delta, then the `done: true` line with the counts.
 * Nothing precedes the first token.
 */
export class OllamaEmitter implements Emitter {
  private tail = '}';
  private head = '';

  constructor(
    private readonly turn: OllamaTurn,
    private readonly out: NdjsonWriter,
  ) {}

  open(tail: string): void {
    this.tail = tail;
    // One timestamp per batch: the lines of a batch leave together.
    this.head = `{"model":${JSON.stringify(this.turn.req.model)},"created_at":"${new Date().toISOString()}",`;
    this.out.begin();
  }

  ack(): void {}

  delta(text: string): void {
    this.out.line(`${this.head}${this.turn.text(JSON.stringify(text))},"done":false${this.tail}`);
  }

  done(_text: string, evalCount: number): void {
    this.out.line(`${JSON.stringify(this.turn.final('', evalCount)).slice(0, -1)}${this.tail}`);
  }

  flush(last: boolean): void {
    this.out.end(last);
  }

  /** Injected faults as Ollama shows them: an `{"error": …}` line (then nothing more), a cut-off line, a reset. */
  faultOut(socket: Socket | null): FaultOut {
    return {
      error: (tail) =>
        this.out.line(`{"error":"an error was encountered while running the model: unexpected EOF"${tail}`),
      malformed: () => this.out.line(`${this.head}${this.turn.text('"')}`),
      reset: () => resetSocket(socket),
    };
  }
}
