import type { ProtocolAdapter } from '../core/types.js';
import { getProtocol, PROTOCOL_KINDS, type ProtocolKind } from '../protocols/registry.js';

/** How a recorded exchange reached the endpoint. */
export type RecordedTransport = 'http' | 'ws';

export interface Route {
  kind: ProtocolKind;
  adapter: ProtocolAdapter;
}

/**
 * The protocol of a request by its path: the adapter whose HTTP (or WebSocket) path the request's path
 * ends with, so a base URL with a prefix (`/openai/v1/responses`) is recognised too. Undefined for
 * everything else (model lists, files, health checks): those are passed through, not timed.
 */
export function routeOf(pathWithQuery: string, transport: RecordedTransport): Route | undefined {
  const q = pathWithQuery.indexOf('?');
  const path = (q < 0 ? pathWithQuery : pathWithQuery.slice(0, q)).replace(/\/+$/, '');
  for (const kind of PROTOCOL_KINDS) {
    const adapter = getProtocol(kind)!;
    const mode = transport === 'http' ? adapter.http : adapter.ws;
    if (mode !== undefined && path.endsWith(mode.path)) return { kind, adapter };
  }
  return undefined;
}

/** Response types a streamed answer comes in (SSE, NDJSON); anything else is passed through untimed. */
export function isStream(contentType: string | undefined): boolean {
  return contentType !== undefined && /^(text\/event-stream|application\/(x-)?ndjson)/i.test(contentType);
}

/** A whole JSON answer (`stream: false`). */
export function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/json/i.test(contentType);
}

/** Headers that describe one hop, not the message (RFC 9110 §7.6.1): never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  // The body is forwarded whole, after this hop has read it: a 100-continue is this hop's business.
  'expect',
]);

/** The end-to-end headers of `raw` (Node's [name, value, name, value…]), names as sent. */
export function forwardHeaders(raw: readonly string[], drop: ReadonlySet<string> = new Set()): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (!HOP_BY_HOP.has(name) && !drop.has(name)) out.push([raw[i], raw[i + 1]]);
  }
  return out;
}
