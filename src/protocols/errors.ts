import type { ErrorClass, EventSink, Nanos } from '../core/types.js';

/**
 * Error classification shared by every adapter, so that "rate limited" means the same thing whichever
 * protocol reported it.
 */

type Json = Record<string, unknown>;

/** The payload as a JSON object, or undefined when it is not valid JSON or not an object. */
export function parseObject(json: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(json);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** `details.reasoning_tokens` of an OpenAI-style usage block, when it is a number. */
export function reasoningTokens(details: unknown): number | undefined {
  return isObject(details) && typeof details.reasoning_tokens === 'number' ? details.reasoning_tokens : undefined;
}

/** Input tokens served from the prompt cache: `cached_tokens` of OpenAI's usage details (input or prompt). */
export function cachedTokens(details: unknown): number | undefined {
  return isObject(details) && typeof details.cached_tokens === 'number' ? details.cached_tokens : undefined;
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Lower case without separators, so `rate_limit_exceeded`, `RateLimitError` and `rate-limit` all match. */
function squash(s: string | undefined): string {
  return s === undefined ? '' : s.toLowerCase().replace(/[_\-\s]/g, '');
}

/** Error types and codes that mean the request itself was refused: what HTTP says with a 4xx status. */
const REFUSED = [
  'invalidrequest',
  'authentication',
  'permission',
  'invalidapikey',
  'unauthorized',
  'forbidden',
  'notfound',
];

/**
 * `rate_limit` in the code or type → rate_limited; status ≥ 500 or `server_error` → server_error; a 4xx
 * status or a refusal type (invalid_request_error, authentication_error, …) → http_status, so that a
 * refused request has one class whether HTTP said it with a status or WebSocket with an error event;
 * otherwise `fallback`.
 */
export function classifyError(
  code: string | undefined,
  type: string | undefined,
  status: number | undefined,
  fallback: ErrorClass = 'protocol',
): ErrorClass {
  const c = squash(code);
  const k = squash(type);
  if (c.includes('ratelimit') || k.includes('ratelimit')) return 'rate_limited';
  if ((status !== undefined && status >= 500) || c.includes('servererror') || k.includes('servererror')) {
    return 'server_error';
  }
  if ((status !== undefined && status >= 400 && status < 500) || REFUSED.some((r) => c.includes(r) || k.includes(r)))
    return 'http_status';
  return fallback;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  return typeof v === 'number' ? String(v) : undefined;
}

/**
 * Reports an error payload in any of the shapes OpenAI-style servers use: `{"error":{code,type,message}}`
 * (Chat, Responses WebSocket), `{"type":"error",code,message}` (Responses SSE), `{"status":429,"error":…}`,
 * or vLLM's `{"error":{"code":500,…}}` whose numeric code is an HTTP status.
 */
export function reportErrorPayload(sink: EventSink, t: Nanos, body: Json, fallback: ErrorClass = 'protocol'): void {
  const inner = isObject(body.error) ? body.error : body;
  const rawCode = inner.code ?? body.code;
  const status =
    typeof body.status === 'number'
      ? body.status
      : typeof inner.status === 'number'
        ? inner.status
        : typeof rawCode === 'number'
          ? rawCode
          : undefined;
  const code = str(rawCode);
  const type = str(inner.type === 'error' ? undefined : inner.type);
  sink.error(t, classifyError(code, type, status, fallback), code ?? type, str(inner.message ?? body.message));
}

/** A payload that is not the JSON object the protocol promises. */
export function reportMalformed(sink: EventSink, t: Nanos, payload: string): void {
  const shown = payload.length > 120 ? `${payload.slice(0, 120)}…` : payload;
  sink.error(t, 'protocol', 'malformed_event', `malformed event: ${shown}`);
}

/**
 * A response that stopped short for a reason other than its output cap (a content filter…): the answer
 * is not the one asked for. (Hitting max_output_tokens is how a capped benchmark generation normally
 * ends, so callers complete on that reason instead.)
 */
export function reportIncomplete(sink: EventSink, t: Nanos, reason: unknown): void {
  const code = typeof reason === 'string' ? reason : 'incomplete';
  sink.error(t, 'protocol', code, `response incomplete: ${code}`);
}

/** The body ended before the protocol's terminal event. */
export function reportStreamEnded(sink: EventSink, t: Nanos, expected: string): void {
  sink.error(t, 'protocol', 'stream_ended', `stream ended before ${expected}`);
}
