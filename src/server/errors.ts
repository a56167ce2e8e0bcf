import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** The `error` object of OpenAI error bodies and WebSocket error events. */
export interface ApiError {
  type: string;
  code: string | null;
  message: string;
  param: string | null;
}

/** A request the server rejects with 400 (HTTP) or an error event (WebSocket). */
export class RequestError extends Error {
  constructor(
    readonly code: string | null,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }

  body(): ApiError {
    return { type: 'invalid_request_error', code: this.code, message: this.message, param: this.param };
  }
}

/** OpenAI's body for a failure on its side: the http-500 fault and the mid-stream-error event. */
export const SERVER_ERROR: ApiError = {
  type: 'server_error',
  code: 'server_error',
  message: 'The server had an error while processing your request. Sorry about that!',
  param: null,
};

/** OpenAI's 429 body for a request-rate limit (type `requests`, as OpenAI names the limited resource). */
export function rateLimitError(rate: number, retryAfterS: number): ApiError {
  return {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: `Rate limit reached for requests per second: limit ${rate}. Please try again in ${retryAfterS}s.`,
    param: null,
  };
}

export function previousNotFound(id: string): RequestError {
  return new RequestError(
    'previous_response_not_found',
    `Previous response with id '${id}' not found.`,
    'previous_response_id',
  );
}

/** OpenAI's answer when a chained request leaves a function call of the previous response unanswered. */
export function missingToolOutput(callId: string): RequestError {
  return new RequestError(null, `No tool output found for function call ${callId}.`, 'input');
}

export function nonNegativeInt(b: Record<string, unknown>, param: string): number | undefined {
  const v = b[param];
  if (v == null) return undefined;
  if (!(Number.isInteger(v) && (v as number) >= 0)) {
    throw new RequestError('invalid_value', `${param} must be a non-negative integer.`, param);
  }
  return v as number;
}

export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestError('invalid_type', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

export function sendError(
  res: ServerResponse,
  status: number,
  error: ApiError,
  headers: OutgoingHttpHeaders = {},
): void {
  sendJson(res, status, JSON.stringify({ error }), headers);
}

export function sendJson(res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Answers a WebSocket upgrade request with a plain HTTP error instead of the 101, and closes. */
export function rejectUpgrade(socket: Duplex, status: number, reason: string, error: ApiError): void {
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
