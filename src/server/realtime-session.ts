import type { Socket } from 'node:net';

import type { WebSocket } from 'ws';

import type { ServerContext } from './context.js';
import { type ApiError, RequestError } from './errors.js';
import { eventTail } from './generation.js';
import { EventIds, parseRealtimeRequest, RealtimeEmitter } from './realtime.js';
import { hexId } from './responses-items.js';
import { WsTurns } from './ws-turns.js';

/** The model a Realtime socket was opened for: the upgrade URL's `model` parameter. */
export function realtimeModel(url: string | undefined): string {
  return new URL(url ?? '/', 'http://localhost').searchParams.get('model') ?? 'wirebench-reference';
}

/** Session lifetime the real API grants (and reports as expires_at). */
const SESSION_SECONDS = 3600;

/**
 * OpenAI Realtime (GA) on one socket, text output: session.created on connect, then `response.create`
 * turns one at a time on the Responses twin's timing model, and `response.cancel` to stop the active one
 * without losing the socket.
 */
export class RealtimeSession extends WsTurns {
  protected readonly protocol = 'realtime';
  private readonly ids = new EventIds();
  private readonly conversationId = hexId('conv_');
  /** The emitter of the latest response: the active one's, when a response is active. */
  private emitter: RealtimeEmitter | undefined;

  constructor(ctx: ServerContext, ws: WebSocket, socket: Socket, key: string, model: string) {
    super(ctx, ws, socket, key);
    // The server speaks first; clients wait for it before the session is theirs to use.
    const session = {
      type: 'realtime',
      object: 'realtime.session',
      id: hexId('sess_'),
      model,
      output_modalities: ['text'],
      instructions: '',
      tools: [],
      tool_choice: 'auto',
      max_output_tokens: 'inf',
      expires_at: Math.floor(Date.now() / 1000) + SESSION_SECONDS,
    };
    ws.send(
      `{"type":"session.created","event_id":"${this.ids.next()}","session":${JSON.stringify(session)}${eventTail(ctx.opts.stamp)}`,
    );
  }

  protected event(t0: number, msg: Record<string, unknown>): void {
    switch (msg.type) {
      case 'response.create':
        return this.create(t0, msg.response);
      case 'response.cancel':
        return this.cancel();
      default:
        throw new RequestError(
          'invalid_event',
          "Unsupported event type; expected 'response.create' or 'response.cancel'.",
          'type',
        );
    }
  }

  private create(t0: number, response: unknown): void {
    // The rate limit counts responses: a cancel is not a request.
    if (this.throttled()) return;
    this.requireIdle();
    const req = parseRealtimeRequest(response);
    const input = this.ctx.prompt(req.prompt);
    const emitter = new RealtimeEmitter(req, input, this.writer, this.ids, this.conversationId);
    this.emitter = emitter;
    this.respond(t0, { max: req.maxOutputTokens, input }, emitter, emitter.faultOut(this.socket));
  }

  /** Stops the active response at once: no delta is written after the cancel arrived. */
  private cancel(): void {
    const g = this.active;
    if (g === undefined || this.emitter === undefined) {
      throw new RequestError('response_cancel_not_active', 'Cancellation failed: no active response found.');
    }
    this.ctx.stop(g);
    this.active = undefined;
    this.emitter.cancelled(eventTail(this.ctx.opts.stamp), g.progress());
  }

  protected error(_status: number, error: ApiError, tail: string): void {
    this.ws.send(`{"type":"error","event_id":"${this.ids.next()}","error":${JSON.stringify(error)}${tail}`);
  }
}
