import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { beginTurn, endTurn } from './chain.js';
import type { ResponseStore, ServerContext } from './context.js';
import { rateLimitError, RequestError, SERVER_ERROR, type ApiError } from './errors.js';
import { responsesFaultOut } from './fault-out.js';
import type { Generation } from './generation.js';
import { parseResponsesRequest, ResponsesEmitter } from './responses.js';
import type { StreamFault } from './faults.js';
import { BoundedStore } from './store.js';
import { WsWriter } from './ws-writer.js';

/** Responses a connection remembers for chaining, besides the global store. */
const CONNECTION_CACHE = 64;

/** OpenAI Responses WebSocket mode on one socket: `response.create` turns, one at a time. */
export class WsSession {
  private active: Generation | undefined;
  private readonly cache: ResponseStore = new BoundedStore(CONNECTION_CACHE);
  private readonly writer: WsWriter;

  constructor(
    private readonly ctx: ServerContext,
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    /** The upgrade request's API key: every turn is rate-limited under it. */
    private readonly key: string,
  ) {
    this.writer = new WsWriter(ws, socket);
    ws.on('message', (data, isBinary) => this.message(data, isBinary));
    // Clients may vanish without a close frame; either way the turn's timer must go.
    ws.on('close', () => {
      if (this.active) ctx.stop(this.active);
      this.active = undefined;
    });
    ws.on('error', () => ws.terminate());
  }

  private message(data: RawData, isBinary: boolean): void {
    const t0 = performance.now();
    const retryAfter = this.ctx.throttle(this.key);
    if (retryAfter > 0) {
      this.error(429, rateLimitError(this.ctx.opts.rateLimit, retryAfter));
      return;
    }
    try {
      this.turn(t0, this.parse(data, isBinary));
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      this.error(400, e.body());
    }
  }

  private parse(data: RawData, isBinary: boolean): Record<string, unknown> {
    let msg: unknown;
    try {
      if (isBinary) throw new Error('binary');
      msg = JSON.parse(data.toString());
    } catch {
      throw new RequestError('invalid_json', 'Messages must be JSON text.');
    }
    const m = msg as Record<string, unknown> | null;
    if (typeof m !== 'object' || m === null || m.type !== 'response.create') {
      throw new RequestError('invalid_event', `Unsupported event type; expected 'response.create'.`, 'type');
    }
    if (this.active) {
      throw new RequestError(
        'conversation_already_has_active_response',
        'Conversation already has an active response in progress. Wait until the response is finished before creating a new one.',
      );
    }
    // Accept the request fields at the top level (as Codex sends them) or nested under `response`.
    const nested = m.response;
    return typeof nested === 'object' && nested !== null && !Array.isArray(nested) ? (nested as Record<string, unknown>) : m;
  }

  private turn(t0: number, body: Record<string, unknown>): void {
    const req = parseResponsesRequest(body);
    const ctx = this.ctx;
    const turn = beginTurn(ctx, req, this.cache);
    ctx.stats.wsTurns++;
    const plan = ctx.plan(t0, ctx.opts.wsOverheadMs, req.generate ? req.maxOutputTokens : 0, req.inputTokens);
    const fault = ctx.fault(plan.seq);
    if (fault === 'http-500') {
      this.error(500, SERVER_ERROR);
      return;
    }
    const emitter = new ResponsesEmitter(turn, this.writer);
    const on = {
      done: (_text: string, n: number) => {
        this.active = undefined;
        endTurn(ctx, turn, n, this.cache);
      },
      // A stalled turn stays active, as a hung one would on a real server; the others are over.
      faulted: (kind: StreamFault) => {
        if (kind !== 'stall') this.active = undefined;
      },
    };
    const strike = fault === null ? undefined : { kind: fault, out: responsesFaultOut(emitter, this.writer, this.socket) };
    const g = ctx.generation(plan, emitter, on, strike);
    this.active = g;
    g.start();
  }

  private error(status: number, error: ApiError): void {
    const tail = this.ctx.opts.stamp ? `,"wb_t":"${process.hrtime.bigint()}"}` : '}';
    this.ws.send(`{"type":"error","status":${status},"error":${JSON.stringify(error)}${tail}`);
  }
}
