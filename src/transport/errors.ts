import type { ErrorClass } from '../core/types.js';

/** Thrown into a transport when the per-request deadline passes, so the failure reads as a timeout. */
export class RequestTimeout extends Error {
  constructor() {
    super('request timed out');
    this.name = 'RequestTimeout';
  }
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** OpenSSL's certificate verification failures whose codes do not say CERT (Node passes them on as `code`). */
const VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
]);

/** The client's own resources ran out: these say nothing about the endpoint. */
const CLIENT_CODES = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'ENOBUFS']);

/**
 * The response broke HTTP or WebSocket rules (llhttp's HPE_*, oversized headers, ws's frame checks): its
 * bytes are the cause, not the connection. (A body cut short of its content-length is a reset: the
 * connection ended.)
 */
const isProtocolCode = (code: string): boolean =>
  code.startsWith('HPE_') || code.startsWith('WS_ERR_') || code === 'UND_ERR_HEADERS_OVERFLOW';

export function statusClass(status: number): ErrorClass {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'http_status';
}

/**
 * Classifies a transport-level failure. A refused or unresolvable connection is `connect` (nothing was
 * sent), a connection that died after it carried bytes is `reset`; TLS certificate failures are
 * `connect` too, since the request never left. Malformed responses are `protocol`, and the client's own
 * exhaustion (out of file descriptors) is `client`, whatever stage it struck.
 */
export function classifyError(err: unknown, connected: boolean): { cls: ErrorClass; code: string; message: string } {
  const e = err as { code?: string; message?: string; name?: string };
  const message = e?.message ?? String(err);
  if (err instanceof RequestTimeout || e?.name === 'RequestTimeout') {
    return { cls: 'timeout', code: 'timeout', message };
  }
  const code = e?.code ?? e?.name ?? 'error';
  if (CLIENT_CODES.has(code)) return { cls: 'client', code, message };
  if (isProtocolCode(code)) return { cls: 'protocol', code, message };
  if (
    CONNECT_CODES.has(code) ||
    code.startsWith('ERR_TLS') ||
    code.includes('CERT') ||
    VERIFY_CODES.has(code) ||
    (!connected && code !== 'ECONNRESET')
  ) {
    return { cls: 'connect', code, message };
  }
  return { cls: 'reset', code, message };
}
