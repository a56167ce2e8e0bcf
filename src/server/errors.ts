import type { ServerResponse } from 'node:http';

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

export function previousNotFound(id: string): RequestError {
  return new RequestError('previous_response_not_found', `Previous response with id '${id}' not found.`, 'previous_response_id');
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

export function sendError(res: ServerResponse, status: number, error: ApiError): void {
  sendJson(res, status, JSON.stringify({ error }));
}

export function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
