import { describe, expect, it } from 'vitest';

import { forwardHeaders, isStream, routeOf } from '../../src/record/routes.js';

describe('routeOf', () => {
  it('knows a protocol by the end of its path, behind any prefix and before any query', () => {
    expect(routeOf('/v1/responses', 'http')?.kind).toBe('openai-responses');
    expect(routeOf('/openai/v1/chat/completions?api-version=1', 'http')?.kind).toBe('openai-chat');
    expect(routeOf('/v1/messages/', 'http')?.kind).toBe('anthropic-messages');
    expect(routeOf('/api/chat', 'http')?.kind).toBe('ollama-chat');
    expect(routeOf('/v1/responses', 'ws')?.kind).toBe('openai-responses');
    expect(routeOf('/v1/realtime?model=gpt-realtime', 'ws')?.kind).toBe('openai-realtime');
  });

  it('leaves everything else untimed', () => {
    expect(routeOf('/v1/models', 'http')).toBeUndefined();
    expect(routeOf('/v1/responses/resp_1', 'http')).toBeUndefined();
    // Realtime has no HTTP mode, Chat Completions no WebSocket one.
    expect(routeOf('/v1/realtime', 'http')).toBeUndefined();
    expect(routeOf('/v1/chat/completions', 'ws')).toBeUndefined();
  });
});

describe('isStream', () => {
  it('takes SSE and NDJSON answers, whatever their parameters, and nothing else', () => {
    expect(isStream('text/event-stream; charset=utf-8')).toBe(true);
    expect(isStream('application/x-ndjson')).toBe(true);
    expect(isStream('application/json')).toBe(false);
    expect(isStream(undefined)).toBe(false);
  });
});

describe('forwardHeaders', () => {
  it('keeps the end-to-end headers as sent and drops this hop’s', () => {
    const raw = [
      'Host',
      'a',
      'Authorization',
      'Bearer k',
      'Connection',
      'keep-alive',
      'X-Trace',
      '1',
      'Content-Length',
      '5',
    ];
    expect(forwardHeaders(raw)).toEqual([
      ['Authorization', 'Bearer k'],
      ['X-Trace', '1'],
    ]);
    expect(forwardHeaders(raw, new Set(['x-trace']))).toEqual([['Authorization', 'Bearer k']]);
  });
});
