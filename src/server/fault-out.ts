import { constants as h2, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';

import type { ChatTurn } from './chat.js';
import { SERVER_ERROR } from './errors.js';
import type { EventOut, ResponsesEmitter } from './responses.js';
import type { SseWriter } from './sse-writer.js';

/**
 * How one response shows a mid-stream fault on the wire, in its protocol's shape. A route passes one
 * for each streamed protocol it serves; a route without one (non-streamed JSON, or a protocol that has
 * not implemented these yet) gets no mid-stream faults, only http-500.
 */
export interface FaultOut {
  /** mid-stream-error: the protocol's in-band error event, in the open batch (the stream then ends). */
  error(tail: string): void;
  /** malformed: one event whose data is not valid JSON, in the open batch (the stream then ends). */
  malformed(): void;
  /** reset: drops the connection with a TCP RST instead of a proper end. */
  reset(): void;
}

/**
 * An RST (SO_LINGER 0), so the client sees ECONNRESET rather than an orderly FIN. Sockets whose handle
 * is not plain TCP (TLS) refuse resetAndDestroy; for those a destroy is the nearest symptom.
 */
export function resetSocket(socket: Socket | null): void {
  if (socket === null || socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/**
 * `out` with its reset fitted to the response's transport. An h2 connection carries other streams, and
 * an h2 server that fails one resets that stream (RST_STREAM INTERNAL_ERROR), not the connection; the
 * compat response's socket would only close the stream with NO_ERROR.
 */
export function fitReset(out: FaultOut, res: unknown): FaultOut {
  if (!(res instanceof Http2ServerResponse)) return out;
  return {
    error: (tail) => out.error(tail),
    malformed: () => out.malformed(),
    reset: () => res.stream.close(h2.NGHTTP2_INTERNAL_ERROR),
  };
}

/** A delta event cut off inside its string: not JSON whatever a parser tolerates. */
const CUT_RESPONSES_DELTA = '{"type":"response.output_text.delta","delta":"';

/**
 * Responses over SSE or WebSocket: the OpenAI streaming `error` event (`{type:'error', code, message,
 * param, sequence_number}`, after which OpenAI sends nothing more) and a cut-off text delta.
 */
export function responsesFaultOut(emitter: ResponsesEmitter, out: EventOut, socket: Socket | null): FaultOut {
  return {
    error: () => emitter.emit('error', { code: SERVER_ERROR.code, message: SERVER_ERROR.message, param: null }),
    malformed: () => out.event('response.output_text.delta', CUT_RESPONSES_DELTA),
    reset: () => resetSocket(socket),
  };
}

/**
 * Chat Completions over SSE: the `data: {"error":{…}}` line OpenAI-compatible servers (vLLM, OpenAI)
 * send when generation fails after the headers, without `[DONE]`, and a cut-off content chunk.
 */
export function chatFaultOut(turn: ChatTurn, out: SseWriter, socket: Socket | null): FaultOut {
  const cut = `{"id":"${turn.id}","object":"chat.completion.chunk","created":${turn.created},"model":${JSON.stringify(turn.req.model)},"choices":[{"index":0,"delta":{"content":"`;
  return {
    error: (tail) => out.data(`{"error":${JSON.stringify(SERVER_ERROR)}${tail}`),
    malformed: () => out.data(cut),
    reset: () => resetSocket(socket),
  };
}
