import { describe, expect, it } from 'vitest';

import { getProtocol, httpCapable, PROTOCOL_KINDS, wsCapable } from '../../src/protocols/registry.js';

describe('protocol registry', () => {
  it('finds every kind it lists, under that kind', () => {
    for (const kind of PROTOCOL_KINDS) expect(getProtocol(kind)?.kind).toBe(kind);
  });

  it('knows which protocols have a WebSocket mode', () => {
    expect(wsCapable('openai-responses')).toBe(true);
    expect(wsCapable('openai-realtime')).toBe(true);
    expect(wsCapable('openai-chat')).toBe(false);
    expect(wsCapable('anthropic-messages')).toBe(false);
    expect(wsCapable('nope')).toBe(false);
  });

  it('knows which protocols have an HTTP mode (Realtime is WebSocket only)', () => {
    expect(PROTOCOL_KINDS.filter((k) => !httpCapable(k))).toEqual(['openai-realtime']);
    expect(httpCapable('nope')).toBe(false);
  });

  it('returns undefined for unknown kinds, including inherited property names', () => {
    expect(getProtocol('grpc-stream')).toBeUndefined();
    expect(getProtocol('toString')).toBeUndefined();
  });
});
