import type { HttpProtocol, ProtocolAdapter, TransportOptions } from '../core/types.js';
import { isSecure } from './socket.js';

/** Where and how an HTTP variant posts its requests. */
export interface HttpRoute {
  /** e.g. https://api.example.com:8443 */
  origin: string;
  path: string;
  headers: Record<string, string>;
}

/** The protocol's HTTP mode: a WebSocket-only protocol (OpenAI Realtime) cannot ride an HTTP connection. */
export function httpMode(protocol: ProtocolAdapter): HttpProtocol {
  if (protocol.http === undefined) throw new Error(`protocol ${protocol.kind} has no HTTP mode`);
  return protocol.http;
}

export function httpRoute(http: HttpProtocol, opts: TransportOptions): HttpRoute {
  return {
    // A target given as ws(s):// (shared with WebSocket variants) means the same host over http(s).
    origin: `${isSecure(opts.target) ? 'https' : 'http'}://${opts.target.host}`,
    path: joinPath(opts.target, http.path),
    headers: { ...http.headers, ...opts.headers },
  };
}

/** Appends the protocol path to the target's own path prefix (e.g. a gateway mounted under /openai). */
export function joinPath(target: URL, path: string): string {
  const prefix = target.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return prefix + path;
}
