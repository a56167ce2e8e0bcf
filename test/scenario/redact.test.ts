import { describe, expect, it } from 'vitest';

import { redactScenario } from '../../src/scenario/redact.js';

describe('redactScenario', () => {
  const raw = {
    name: 't',
    target: 'https://user:pa55@api.example.com/v1',
    headers: {
      Authorization: 'Bearer sk-literal',
      'X-API-Key': '${env:KEY}',
      cookie: 'session=abc',
      'x-trace': 'keep-me',
    },
    request: { body: { authorization: 'not a header' } },
    variants: [
      {
        protocol: 'openai-responses',
        connection: 'ws-persistent',
        headers: { authorization: 'Bearer ${env:OPENAI_API_KEY}' },
      },
      {
        protocol: 'openai-chat',
        connection: 'http-fresh',
        headers: { 'api-key': '${env:K:-sk-fallback}', 'proxy-authorization': 'Basic xyz' },
      },
    ],
  };

  it('redacts literal secrets, keeps env references and other values', () => {
    expect(redactScenario(raw)).toEqual({
      name: 't',
      target: 'https://api.example.com/v1',
      headers: { Authorization: '[redacted]', 'X-API-Key': '${env:KEY}', cookie: '[redacted]', 'x-trace': 'keep-me' },
      request: { body: { authorization: 'not a header' } },
      variants: [
        {
          protocol: 'openai-responses',
          connection: 'ws-persistent',
          headers: { authorization: 'Bearer ${env:OPENAI_API_KEY}' },
        },
        {
          protocol: 'openai-chat',
          connection: 'http-fresh',
          headers: { 'api-key': '[redacted]', 'proxy-authorization': '[redacted]' },
        },
      ],
    });
  });

  it('does not modify its input', () => {
    const before = structuredClone(raw);
    redactScenario(raw);
    expect(raw).toEqual(before);
  });

  it('passes through scalars and documents without secrets', () => {
    expect(redactScenario(null)).toBeNull();
    expect(redactScenario('ws://a:b@host/x')).toBe('ws://host/x');
    expect(redactScenario({ target: 'embedded' })).toEqual({ target: 'embedded' });
  });
});
