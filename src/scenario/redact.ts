/**
 * Makes a scenario document safe to write into a result file: secret header values become
 * "[redacted]" and credentials embedded in URLs are removed.
 */

export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'x-api-key',
  'api-key',
  'proxy-authorization',
  'cookie',
]);
const REFERENCE = /\$\{env:[^}]*\}/g;
const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;

export const REDACTED = '[redacted]';

/**
 * A deep copy of `raw` (a parsed scenario document) with secrets removed: the values of the secret
 * headers and of `extra` header names (the scenario's `redact:` list), and URL credentials.
 */
export function redactScenario(raw: unknown, extra: readonly string[] = []): unknown {
  const names = new Set([...SECRET_HEADERS, ...extra.map((h) => h.toLowerCase())]);
  return redact(raw, false, names);
}

// Header maps are recognized by their key, wherever they sit (top level, variants, future load kinds).
function redact(node: unknown, isHeaders: boolean, names: ReadonlySet<string>): unknown {
  if (typeof node === 'string') return node.replace(URL_USERINFO, '$1');
  if (Array.isArray(node)) return node.map((item) => redact(item, false, names));
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        isHeaders && typeof v === 'string' && names.has(k.toLowerCase()) && !namesOnly(v)
          ? REDACTED
          : redact(v, k === 'headers', names),
      ]),
    );
  }
  return node;
}

/** Shorter values are not scrubbed: replacing "1" everywhere would mangle numbers, not hide a key. */
const MIN_SECRET = 6;

/** How many leading characters of a long key identify it (error messages show "sk-proj-a…"). */
const PREFIX = 9;
/** Keys at least this long have their prefix scrubbed too (shorter values are not keys with a format). */
const PREFIXED = 20;

/**
 * The base64 text any encoding of a string containing `token` must contain, whatever precedes it (as in a
 * Basic auth echo of "user:token"): for each of the three alignments, the characters that only the token's
 * bytes decide.
 */
function base64Forms(token: string): string[] {
  const bytes = Buffer.from(token);
  return [0, 1, 2].flatMap((k) => {
    const b64 = Buffer.concat([Buffer.alloc(k), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const from = k === 0 ? 0 : 4;
    const to = (k + bytes.length) % 3 === 0 ? b64.length : b64.length - (b64.length % 4 || 4);
    const inner = b64.slice(from, to);
    return inner.length >= MIN_SECRET ? [inner, inner.replace(/\+/g, '-').replace(/\//g, '_')] : [];
  });
}

/** Every form in which an endpoint may echo a secret: as given, without its auth scheme, base64, its prefix. */
function secretForms(secret: string): string[] {
  const v = secret.trim();
  const token = v.replace(/^(bearer|basic|token)\s+/i, '');
  return [v, token, ...base64Forms(token), ...(token.length >= PREFIXED ? [token.slice(0, PREFIX)] : [])].filter(
    (f) => f.length >= MIN_SECRET,
  );
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes secret values wherever they would end up in text wirebench writes — a server may echo a key
 * in an error message ("Incorrect API key provided: sk-…"), which would otherwise reach requests.jsonl —
 * in any letter case, base64-encoded (a Basic auth echo), or as the key's first characters.
 * `secrets`: the resolved values of the secret headers (with and without their auth scheme).
 */
export function scrubber(secrets: Iterable<string>): (text: string) => string {
  const forms = new Set<string>();
  for (const s of secrets) for (const f of secretForms(s)) forms.add(f);
  if (forms.size === 0) return (text) => text;
  // Longest first, so a token inside "Bearer <token>" does not leave "Bearer " plus a half.
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'gi');
  return (text) => text.replace(pattern, REDACTED);
}

/** The resolved values of the secret headers of every variant (`extra`: the scenario's `redact:` names). */
export function secretValues(
  variants: readonly { headers: Readonly<Record<string, string>> }[],
  extra: readonly string[],
): string[] {
  const names = new Set([...SECRET_HEADERS, ...extra.map((h) => h.toLowerCase())]);
  return variants.flatMap((v) =>
    Object.entries(v.headers)
      .filter(([k]) => names.has(k))
      .map(([, value]) => value),
  );
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

/** Hides credentials a target URL may carry, since the URL is written into result.json. */
export function displayTarget(url: string): string {
  if (url === 'embedded') return url;
  const u = new URL(url);
  u.username = '';
  u.password = '';
  // Some gateways take the key as a query parameter (?api-key=…): keep the names, never the values.
  for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, '[redacted]');
  return u.href;
}
