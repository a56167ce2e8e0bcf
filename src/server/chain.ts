import type { ResponseStore, ServerContext } from './context.js';
import { missingToolOutput, previousNotFound } from './errors.js';
import { type ResponsesRequest, ResponseTurn } from './responses.js';

/**
 * The turn a Responses request starts, on top of the response its previous_response_id names, looked
 * up in the connection's cache (WebSocket mode) and then the global store. Like OpenAI, refuses to
 * build on a function call the request leaves unanswered.
 */
export function beginTurn(ctx: ServerContext, req: ResponsesRequest, cache?: ResponseStore): ResponseTurn {
  const id = req.previousResponseId;
  if (id === null) return new ResponseTurn(req, ctx.prompt(req.prompt));
  const previous = cache?.get(id) ?? ctx.store.get(id);
  if (previous === undefined) {
    ctx.stats.previousNotFound++;
    throw previousNotFound(id);
  }
  for (const callId of previous.pendingCalls) {
    if (!req.callOutputs.has(callId)) throw missingToolOutput(callId);
  }
  ctx.stats.chainedRequests++;
  return new ResponseTurn(req, ctx.prompt(req.prompt, previous.contextTokens));
}

/** Records a completed turn for the requests that may chain from it. */
export function endTurn(ctx: ServerContext, turn: ResponseTurn, outputTokens: number, cache?: ResponseStore): void {
  const pendingCalls = turn.pendingCalls;
  if (pendingCalls.length > 0) ctx.stats.functionCalls++;
  const stored = { contextTokens: turn.contextTokens + outputTokens, pendingCalls };
  cache?.set(turn.id, stored);
  if (turn.req.store) ctx.store.set(turn.id, stored);
}
