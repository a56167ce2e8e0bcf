import { describe, expect, it } from 'vitest';

import type { HttpProtocol, TransportOptions } from '../../src/core/types.js';
import { anthropicMessages } from '../../src/protocols/anthropic-messages.js';
import { openaiChat } from '../../src/protocols/openai-chat.js';
import { openaiRealtime } from '../../src/protocols/openai-realtime.js';
import { openaiResponses } from '../../src/protocols/openai-responses.js';
import { httpMode, httpRoute, joinPath } from '../../src/transport/route.js';

const options = (target: string, headers: Record<string, string> = {}): TransportOptions => ({
  target: new URL(target),
  headers,
  perMessageDeflate: false,
});

const responses = httpMode(openaiResponses);

describe('httpMode', () => {
  it('is the protocol’s HTTP side', () => {
    expect(httpMode(openaiResponses)).toBe(openaiResponses.http);
    expect(httpMode(anthropicMessages).path).toBe('/v1/messages');
  });

  it('refuses a WebSocket-only protocol, naming it', () => {
    expect(() => httpMode(openaiRealtime)).toThrow('protocol openai-realtime has no HTTP mode');
  });
});

describe('httpRoute', () => {
  it.each([
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['https://api.example.com', 'https://api.example.com'],
    // A target shared with WebSocket variants means the same host over HTTP.
    ['ws://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['wss://api.example.com:8443', 'https://api.example.com:8443'],
    // Default ports are implied, IPv6 literals keep their brackets.
    ['https://api.example.com:443', 'https://api.example.com'],
    ['http://[::1]:9000', 'http://[::1]:9000'],
  ])('%s posts to origin %s', (target, origin) => {
    expect(httpRoute(responses, options(target)).origin).toBe(origin);
  });

  it('never puts credentials of the target URL into the origin', () => {
    expect(httpRoute(responses, options('https://user:secret@api.example.com/v1')).origin).toBe(
      'https://api.example.com',
    );
  });

  it('posts to the protocol path under the target’s prefix', () => {
    expect(httpRoute(responses, options('https://api.openai.com/v1')).path).toBe('/v1/responses');
    expect(httpRoute(httpMode(openaiChat), options('http://gw.internal/openai')).path).toBe(
      '/openai/v1/chat/completions',
    );
  });

  it('sends the protocol’s headers with the scenario’s on top, which win on a clash', () => {
    const route = httpRoute(responses, options('http://h', { accept: 'application/x-ndjson', authorization: 'k' }));
    expect(route.headers).toEqual({
      'content-type': 'application/json',
      accept: 'application/x-ndjson',
      authorization: 'k',
    });
    // The protocol's own headers are shared by every route: a route must not write into them.
    expect(responses.headers).toMatchObject({ accept: 'text/event-stream' });
  });

  it('takes its path and headers from the HttpProtocol it is given', () => {
    const custom: HttpProtocol = { ...responses, path: '/api/generate', headers: { 'x-a': '1' } };
    expect(httpRoute(custom, options('http://127.0.0.1:11434'))).toEqual({
      origin: 'http://127.0.0.1:11434',
      path: '/api/generate',
      headers: { 'x-a': '1' },
    });
  });
});

describe('joinPath', () => {
  it.each([
    // The base URL an OpenAI SDK is given ends in /v1: the protocol path already has it.
    ['https://api.openai.com/v1', '/v1/responses', '/v1/responses'],
    ['https://api.openai.com/v1/', '/v1/responses', '/v1/responses'],
    ['http://127.0.0.1:8080', '/v1/responses', '/v1/responses'],
    ['http://127.0.0.1:8080/', '/v1/responses', '/v1/responses'],
    // A gateway mounted under a prefix, with or without the /v1.
    ['http://gw/openai', '/v1/responses', '/openai/v1/responses'],
    ['http://gw/openai/v1', '/v1/responses', '/openai/v1/responses'],
    ['http://gw/openai//', '/v1/messages', '/openai/v1/messages'],
    // Only a whole trailing /v1 segment is the API version.
    ['http://gw/v10', '/v1/responses', '/v10/v1/responses'],
    ['http://gw/api/v1beta', '/v1/responses', '/api/v1beta/v1/responses'],
    // Neither the query nor the fragment of the target is part of the path.
    ['http://gw/openai?x=1#f', '/v1/responses', '/openai/v1/responses'],
  ])('%s + %s → %s', (target, path, joined) => {
    expect(joinPath(new URL(target), path)).toBe(joined);
  });
});
