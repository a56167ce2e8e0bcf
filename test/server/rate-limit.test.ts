import { describe, expect, it } from 'vitest';

import { startServer } from '../../src/server/index.js';
import { apiKey, RateLimiter } from '../../src/server/rate-limit.js';
import { post, WsClient } from './helpers.js';

const BODY = { model: 'm', input: 'hi', stream: true };

describe('RateLimiter', () => {
  it('lets a burst of max(1, rate) through, then refills at rate per second', () => {
    const l = new RateLimiter(2);
    expect([l.take('a', 0), l.take('a', 0), l.take('a', 0)]).toEqual([0, 0, 1]);
    expect(l.take('a', 499)).toBe(1);
    expect(l.take('a', 501)).toBe(0);
    expect(l.take('b', 501)).toBe(0);
  });

  it('computes retry-after from the bucket, in whole seconds of at least 1', () => {
    const slow = new RateLimiter(0.25);
    expect(slow.take('k', 0)).toBe(0);
    expect(slow.take('k', 0)).toBe(4);
    expect(slow.take('k', 2500)).toBe(2);
    expect(slow.take('k', 4000)).toBe(0);
  });

  it('keys requests by authorization, else x-api-key, else anonymous', () => {
    expect(apiKey({ authorization: 'Bearer a', 'x-api-key': 'b' })).toBe('Bearer a');
    expect(apiKey({ 'x-api-key': 'b' })).toBe('b');
    expect(apiKey({})).toBe('anonymous');
  });
});

describe('rateLimit (real sockets)', () => {
  it('answers the request beyond the burst with 429, retry-after and an OpenAI body; other keys pass', async () => {
    const s = await startServer({ rateLimit: 2, ttftMs: 1, tps: 50_000, outputTokens: 3 });
    try {
      const a = { authorization: 'Bearer a' };
      const [r1, r2, r3] = await Promise.all([1, 2, 3].map(() => post(s.url, '/v1/responses', BODY, a)));
      const statuses = [r1, r2, r3].map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 429]);
      const limited = [r1, r2, r3].find((r) => r.status === 429)!;
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number.isInteger(Number(limited.headers['retry-after']))).toBe(true);
      expect(JSON.parse(limited.body)).toEqual({
        error: {
          type: 'requests',
          code: 'rate_limit_exceeded',
          message: expect.stringMatching(/^Rate limit reached .* try again in 1s\.$/),
          param: null,
        },
      });
      expect(
        (await post(s.url, '/v1/chat/completions', { model: 'm', messages: [], stream: true }, { 'x-api-key': 'b' }))
          .status,
      ).toBe(200);
      expect((await post(s.url, '/v1/responses', BODY)).status).toBe(200);

      // The WebSocket's turns count against the key of its upgrade request.
      const ws = await WsClient.open(s.url, { headers: { 'x-api-key': 'c' } });
      for (let i = 0; i < 2; i++) {
        ws.send({ type: 'response.create', model: 'm', input: 'hi' });
        expect((await ws.turn()).at(-1)!.data.type).toBe('response.completed');
      }
      ws.send({ type: 'response.create', model: 'm', input: 'hi' });
      expect((await ws.turn())[0].data).toMatchObject({
        type: 'error',
        status: 429,
        error: { type: 'requests', code: 'rate_limit_exceeded', message: expect.stringMatching(/Rate limit reached/) },
      });
      ws.close();
      expect(s.stats()).toMatchObject({ rateLimited: 2, responsesCompleted: 6 });
    } finally {
      await s.close();
    }
  });

  it('lets the key through again once retry-after has passed', async () => {
    const s = await startServer({ rateLimit: 2, ttftMs: 1, tps: 50_000, outputTokens: 1 });
    try {
      const replies = await Promise.all([1, 2, 3].map(() => post(s.url, '/v1/responses', BODY)));
      const limited = replies.filter((r) => r.status === 429);
      expect(limited).toHaveLength(1);
      await new Promise((r) => setTimeout(r, Number(limited[0].headers['retry-after']) * 1000));
      expect((await post(s.url, '/v1/responses', BODY)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
