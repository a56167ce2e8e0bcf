import type { Socket } from 'node:net';

import { RequestError, requireObject } from './errors.js';
import { type FaultOut, resetSocket } from './fault-out.js';
import type { Emitter } from './generation.js';
import { type Prompt, promptOf } from './input.js';
import type { SseWriter } from './sse-writer.js';

/** text-generation-inference `/generate_stream` request fields the server acts on. */
export interface TgiRequest {
  maxTokens: number | undefined;
  /** parameters.details: the last event reports finish reason and token count. */
  details: boolean;
  prompt: Prompt;
}

export function parseTgiRequest(body: unknown): TgiRequest {
  const b = requireObject(body);
  if (typeof b.inputs !== 'string' || b.inputs === '')
    throw new RequestError(null, 'Input validation error: `inputs` cannot be empty');
  const p = typeof b.parameters === 'object' && b.parameters !== null ? (b.parameters as Record<string, unknown>) : {};
  const max = p.max_new_tokens;
  if (max != null && !(Number.isInteger(max) && (max as number) > 0)) {
    throw new RequestError(null, 'Input validation error: `max_new_tokens` must be strictly positive');
  }
  return {
    maxTokens: max == null ? undefined : (max as number),
    details: p.details === true,
    prompt: promptOf(b.inputs),
  };
}

/** TGI's error body for a request it rejects (HTTP 422). */
export function tgiErrorBody(message: string): string {
  return JSON.stringify({ error: message, error_type: 'validation' });
}

/**
 * TGI's stream: one data-only SSE event per delta; the last delta's event also carries `generated_text`
 * and `details`. Each delta is held until the next one or the end of its batch, so the one the response
 * ends with can become that last event.
 */
export class TgiEmitter implements Emitter {
  private tail = '}';
  private index = 0;
  private held: string | undefined;

  constructor(
    private readonly req: TgiRequest,
    private readonly out: SseWriter,
  ) {}

  open(tail: string): void {
    this.tail = tail;
    this.out.begin();
  }

  ack(): void {}

  delta(text: string): void {
    this.release();
    this.held = text;
  }

  done(text: string, generatedTokens: number): void {
    // No token at all: the end is an empty special (EOS) token, as TGI sends.
    const last = this.held;
    this.held = undefined;
    const reason = this.req.maxTokens !== undefined && generatedTokens >= this.req.maxTokens ? 'length' : 'eos_token';
    const details = this.req.details
      ? JSON.stringify({ finish_reason: reason, generated_tokens: generatedTokens, seed: null })
      : 'null';
    this.event(last ?? '', last === undefined, JSON.stringify(text), details);
  }

  flush(last: boolean): void {
    this.release();
    this.out.end(last);
  }

  /**
   * Injected faults as TGI shows them: the error event it sends when generation fails (then nothing
   * more), a token event cut off inside its text, a reset. The held delta goes out first.
   */
  faultOut(socket: Socket | null): FaultOut {
    return {
      error: (tail) => {
        this.release();
        this.out.data(
          `{"error":"Request failed during generation: Server error: CUDA out of memory","error_type":"generation"${tail}`,
        );
      },
      malformed: () => {
        this.release();
        this.out.data(`{"index":${this.index + 1},"token":{"id":${this.index + 1},"text":"`);
      },
      reset: () => resetSocket(socket),
    };
  }

  private release(): void {
    if (this.held === undefined) return;
    this.event(this.held, false, 'null', 'null');
    this.held = undefined;
  }

  private event(text: string, special: boolean, generatedText: string, details: string): void {
    const i = ++this.index;
    this.out.data(
      `{"index":${i},"token":{"id":${i},"text":${JSON.stringify(text)},"logprob":0,"special":${special}},"generated_text":${generatedText},"details":${details}${this.tail}`,
    );
  }
}
