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

export function statusClass(status: number): ErrorClass {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'http_status';
}

/**
 * Classifies a transport-level failure. A refused or unresolvable connection is `connect` (nothing was
 * sent), a connection that died after it carried bytes is `reset`; TLS certificate failures are
 * `connect` too, since the request never left.
 */
export function classifyError(err: unknown, connected: boolean): { cls: ErrorClass; code: string; message: string } {
  const e = err as { code?: string; message?: string; name?: string };
  const message = e?.message ?? String(err);
  if (err instanceof RequestTimeout || e?.name === 'RequestTimeout') {
    return { cls: 'timeout', code: 'timeout', message };
  }
  const code = e?.code ?? e?.name ?? 'error';
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
