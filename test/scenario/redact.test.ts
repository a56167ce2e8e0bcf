import { describe, expect, it } from 'vitest';

import { displayTarget, redactScenario, scrubber } from '../../src/scenario/redact.js';

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

describe('scrubber', () => {
  const key = 'sk-proj-Q7xKp2LmN9vR4tW8yZ1bC5dF';
  const scrub = scrubber([`Bearer ${key}`]);

  it('removes the key however an endpoint echoes it: as sent, in another case, base64, or its prefix', () => {
    const basic = (user: string) => Buffer.from(`${user}:${key}`).toString('base64');
    const texts = [
      `Incorrect API key provided: ${key}.`,
      `auth: Bearer ${key}`,
      `lowercased by a proxy: ${key.toLowerCase()}`,
      `UPPER: ${key.toUpperCase()}`,
      // A Basic auth echo of "user:key": the key's bytes at each of the three base64 alignments.
      `basic ${basic('u')}`,
      `basic ${basic('us')}`,
      `basic ${basic('use')}`,
      `url-safe ${Buffer.from(key).toString('base64url')}`,
      `Incorrect API key provided: ${key.slice(0, 9)}********************cC5dF`,
    ];
    for (const t of texts) {
      const out = scrub(t);
      expect(out, t).toContain('[redacted]');
      expect(out.toLowerCase(), t).not.toContain(key.toLowerCase().slice(0, 9));
      for (const k of [0, 1, 2]) {
        // No run of the key's base64 survives at any alignment.
        const b64 = Buffer.concat([Buffer.alloc(k), Buffer.from(key)]).toString('base64');
        expect(out, t).not.toContain(b64.slice(4, 16));
      }
    }
  });

  it('leaves other text alone, and values too short to be keys', () => {
    expect(scrub('sk-proj- is the prefix of every project key')).toBe('sk-proj- is the prefix of every project key');
    expect(scrubber(['Bearer 12345'])('12345 tokens')).toBe('12345 tokens');
  });
});

describe('displayTarget', () => {
  it('drops URL credentials and query values, and leaves the embedded target as it is', () => {
    expect(displayTarget('https://u:p@api.example.com/v1?api-key=k')).toBe(
      'https://api.example.com/v1?api-key=%5Bredacted%5D',
    );
    expect(displayTarget('embedded')).toBe('embedded');
  });
});
