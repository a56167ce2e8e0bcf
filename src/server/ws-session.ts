import { beginTurn, endTurn } from './chain.js';
import type { ResponseStore } from './context.js';
import { type ApiError, RequestError } from './errors.js';
import { responsesFaultOut } from './fault-out.js';
import { parseResponsesRequest, ResponsesEmitter } from './responses.js';
import { BoundedStore } from './store.js';
import { WsTurns } from './ws-turns.js';

/** Responses a connection remembers for chaining, besides the global store. */
const CONNECTION_CACHE = 64;

/** OpenAI Responses WebSocket mode on one socket: `response.create` turns, one at a time. */
export class WsSession extends WsTurns {
  protected readonly protocol = 'responses';
  private readonly cache: ResponseStore = new BoundedStore(CONNECTION_CACHE);

  protected event(t0: number, msg: Record<string, unknown>): void {
    // Every client event of this mode is a request.
    if (this.throttled()) return;
    if (msg.type !== 'response.create') {
      throw new RequestError('invalid_event', `Unsupported event type; expected 'response.create'.`, 'type');
    }
    this.requireIdle();
    // Accept the request fields at the top level (as Codex sends them) or nested under `response`.
    const nested = msg.response;
    const body = typeof nested === 'object' && nested !== null && !Array.isArray(nested) ? nested : msg;
    const req = parseResponsesRequest(body);
    const turn = beginTurn(this.ctx, req, this.cache);
    const emitter = new ResponsesEmitter(turn, this.writer);
    this.respond(t0, turn.tokens, emitter, responsesFaultOut(emitter, this.writer, this.socket), (_text, n) =>
      endTurn(this.ctx, turn, n, this.cache),
    );
  }

  protected error(status: number, error: ApiError, tail: string): void {
    this.ws.send(`{"type":"error","status":${status},"error":${JSON.stringify(error)}${tail}`);
  }
}
