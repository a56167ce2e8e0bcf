import type { Socket } from 'node:net';

import type { RawData, WebSocket } from 'ws';

import type { ServerContext, TokenRequest } from './context.js';
import { type ApiError, rateLimitError, RequestError, SERVER_ERROR } from './errors.js';
import type { FaultOut } from './fault-out.js';
import type { StreamFault } from './faults.js';
import { type Emitter, eventTail, type Generation } from './generation.js';
import { tokenizeAhead, withTokens } from './input.js';
import type { Protocol } from './prom.js';
import { WsWriter } from './ws-writer.js';

/**
 * What the WebSocket twins (Responses WebSocket mode, Realtime) share: JSON client events in, one
 * response at a time on the server's timing model, the rate limit, injected faults, and the response's
 * timer stopped when the client leaves. A subclass reads its protocol's client events and writes its
 * error events.
 */
export abstract class WsTurns {
  /** What its responses' timings are labelled with (GET /metrics). */
  protected abstract readonly protocol: Protocol;
  /** The response in progress. A stalled one stays active, as a hung response would on a real server. */
  protected active: Generation | undefined;
  protected readonly writer: WsWriter;
  /** The last client event waiting for its text to be tokenized off the loop, while one is. */
  private queue: Promise<void> | undefined;

  constructor(
    protected readonly ctx: ServerContext,
    protected readonly ws: WebSocket,
    protected readonly socket: Socket,
    /** The upgrade request's API key: every response is rate-limited under it. */
    private readonly key: string,
  ) {
    this.writer = new WsWriter(ws, socket);
    ws.on('message', (data, isBinary) => this.message(data, isBinary));
    // Clients may vanish without a close frame; either way the response's timer must go.
    ws.on('close', () => {
      if (this.active) ctx.stop(this.active);
      this.active = undefined;
    });
    ws.on('error', () => ws.terminate());
  }

  /** One client event, received at `t0` (performance.now() ms); throws RequestError for what it rejects. */
  protected abstract event(t0: number, msg: Record<string, unknown>): void;

  /** Sends the protocol's error event; `tail` ends its JSON (see eventTail). */
  protected abstract error(status: number, error: ApiError, tail: string): void;

  private message(data: RawData, isBinary: boolean): void {
    const t0 = performance.now();
    let msg: Record<string, unknown>;
    try {
      msg = parseEvent(data, isBinary);
    } catch (e) {
      return this.reject(e);
    }
    const ahead = tokenizeAhead(msg);
    if (ahead === undefined && this.queue === undefined) return this.handle(t0, msg, undefined);
    // Events are handled in order: those behind one being tokenized wait for it. A response's timing
    // starts when it can start: what it waited for is the server's time before its first token.
    const queued: Promise<void> = Promise.all([ahead, this.queue]).then(([tokens]) => {
      if (this.queue === queued) this.queue = undefined;
      if (this.ws.readyState === this.ws.OPEN) this.handle(performance.now(), msg, tokens);
    });
    this.queue = queued;
  }

  private handle(t0: number, msg: Record<string, unknown>, tokens: ReadonlyMap<string, Uint32Array> | undefined): void {
    try {
      withTokens(tokens, () => this.event(t0, msg));
    } catch (e) {
      this.reject(e);
    }
  }

  private reject(e: unknown): void {
    if (!(e instanceof RequestError)) throw e;
    this.fail(400, e.body());
  }

  private fail(status: number, error: ApiError): void {
    this.error(status, error, eventTail(this.ctx.opts.stamp));
  }

  /** Whether the rate limit refuses a request now; if so, the client has its 429 error event. */
  protected throttled(): boolean {
    const retryAfter = this.ctx.throttle(this.key);
    if (retryAfter > 0) this.fail(429, rateLimitError(this.ctx.opts.rateLimit, retryAfter));
    return retryAfter > 0;
  }

  /** OpenAI runs one response at a time per conversation and refuses a second while one is active. */
  protected requireIdle(): void {
    if (this.active) {
      throw new RequestError(
        'conversation_already_has_active_response',
        'Conversation already has an active response in progress. Wait until the response is finished before creating a new one.',
      );
    }
  }

  /**
   * Starts one response on the server's timing model, under the fault drawn for it: an http-500 becomes
   * the protocol's error event at once, the others strike mid-stream as `faults` shows them.
   */
  protected respond(
    t0: number,
    tokens: TokenRequest,
    emitter: Emitter,
    faults: FaultOut,
    onDone?: (text: string, outputTokens: number) => void,
  ): void {
    const ctx = this.ctx;
    ctx.stats.wsTurns++;
    const plan = ctx.plan(t0, ctx.opts.wsOverheadMs, tokens);
    const fault = ctx.fault(plan.seq);
    if (fault === 'http-500') return this.fail(500, SERVER_ERROR);
    const on = {
      done: (text: string, n: number) => {
        this.active = undefined;
        onDone?.(text, n);
      },
      faulted: (kind: StreamFault) => {
        if (kind !== 'stall') this.active = undefined;
      },
    };
    const strike = fault === null ? undefined : { kind: fault, out: faults };
    const g = ctx.generation(plan, ctx.metrics.series(this.protocol, 'ws'), emitter, on, strike);
    this.active = g;
    g.start();
  }
}

function parseEvent(data: RawData, isBinary: boolean): Record<string, unknown> {
  let msg: unknown;
  try {
    if (isBinary) throw new Error('binary');
    // The server keeps ws's default binaryType ('nodebuffer'): a message arrives as one Buffer.
    msg = JSON.parse((data as Buffer).toString());
  } catch {
    throw new RequestError('invalid_json', 'Messages must be JSON text.');
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    throw new RequestError('invalid_event', 'Messages must be JSON objects with a type.', 'type');
  }
  return msg as Record<string, unknown>;
}
