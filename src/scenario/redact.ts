/**
 * Makes a scenario document safe to write into a result file: secret header values become
 * "[redacted]" and credentials embedded in URLs are removed.
 */

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'proxy-authorization', 'cookie']);
const REFERENCE = /\$\{env:[^}]*\}/g;
const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;

export const REDACTED = '[redacted]';

/** A deep copy of `raw` (a parsed scenario document) with secrets removed. */
export function redactScenario(raw: unknown): unknown {
  return redact(raw, false);
}

// Header maps are recognized by their key, wherever they sit (top level, variants, future load kinds).
function redact(node: unknown, isHeaders: boolean): unknown {
  if (typeof node === 'string') return node.replace(URL_USERINFO, '$1');
  if (Array.isArray(node)) return node.map((item) => redact(item, false));
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        isHeaders && typeof v === 'string' && SECRET_HEADERS.has(k.toLowerCase()) && !namesOnly(v)
          ? REDACTED
          : redact(v, k === 'headers'),
      ]),
    );
  }
  return node;
}

/**
 * True for a value that only names its secret: `${env:KEY}`, optionally after an auth scheme
 * (`Bearer ${env:KEY}`). A fallback (`${env:KEY:-sk-…}`) would be a literal secret, so it does not count.
 */
function namesOnly(value: string): boolean {
  const refs = value.match(REFERENCE) ?? [];
  if (refs.length === 0 || refs.some((r) => r.includes(':-'))) return false;
  return /^\s*((bearer|basic|token)\s+)?$/i.test(value.replace(REFERENCE, ''));
}
