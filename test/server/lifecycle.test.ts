import { request } from 'node:http';

import { describe, expect, it } from 'vitest';

import { DEFAULT_SERVER_OPTIONS, startServer } from '../../src/server/index.js';
import { ms, post, WsClient } from './helpers.js';

describe('startServer', () => {
  it('listens on an ephemeral port with the documented defaults', async () => {
    expect(DEFAULT_SERVER_OPTIONS).toEqual({
      host: '127.0.0.1',
      port: 0,
      ttftMs: 150,
      prefillTps: 0,
      prefixCache: false,
      prefixCacheBlocks: 65_536,
      tps: 1000,
      jitter: 0,
      chunkTokens: 1,
      outputTokens: 200,
      httpOverheadMs: 0,
      wsOverheadMs: 0,
      wsConnectOverheadMs: 0,
      seed: 1,
      stamp: false,
      maxConcurrent: 0,
      rateLimit: 0,
      faults: {},
      maxBodyBytes: 16 * 1024 * 1024,
      maxConnections: 10_000,
    });
    const s = await startServer();
    try {
      expect(s.port).toBeGreaterThan(0);
      expect(s.host).toBe('127.0.0.1');
      expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    } finally {
      await s.close();
    }
  });

  it('rejects invalid options', async () => {
    await expect(startServer({ tps: 0 })).rejects.toThrow(/tps/);
    await expect(startServer({ chunkTokens: 1.5 })).rejects.toThrow(/chunkTokens/);
    await expect(startServer({ jitter: 2 })).rejects.toThrow(/jitter/);
    await expect(startServer({ ttftMs: -1 })).rejects.toThrow(/ttftMs/);
    await expect(startServer({ prefillTps: -1 })).rejects.toThrow(/prefillTps/);
    await expect(startServer({ maxConcurrent: 1.5 })).rejects.toThrow(/maxConcurrent/);
    await expect(startServer({ rateLimit: -1 })).rejects.toThrow(/rateLimit/);
    await expect(startServer({ faults: { reset: 1.5 } })).rejects.toThrow(/faults: 'reset=1.5'/);
    await expect(startServer({ faults: { stall: 0.6, reset: 0.6 } })).rejects.toThrow(/faults: .*sum/);
    await expect(startServer({ faults: { bogus: 0.1 } as never })).rejects.toThrow(
      /faults: unknown fault class 'bogus'/,
    );
  });

  it('counts requests, connections, turns and completed responses', async () => {
    const s = await startServer({ ttftMs: 1, tps: 50_000, outputTokens: 3 });
    try {
      await post(s.url, '/v1/responses', { model: 'm', input: 'x', stream: true });
      await post(s.url, '/v1/chat/completions', { model: 'm', messages: [], stream: true });
      await post(s.url, '/v1/nope', {});
      const c = await WsClient.open(s.url);
      c.send({ type: 'response.create', model: 'm', input: 'x', generate: false });
      await c.turn();
      c.send({ type: 'response.create', model: 'm', input: 'x' });
      await c.turn();
      c.send({ type: 'response.create', model: 'm', input: 'x', previous_response_id: 'resp_missing' });
      await c.turn();
      c.close();
      expect(s.stats()).toEqual({
        httpRequests: 3,
        wsConnections: 1,
        wsTurns: 2,
        tcpConnections: 4,
        responsesCompleted: 4,
        chainedRequests: 0,
        previousNotFound: 1,
        functionCalls: 0,
        queueDepth: 0,
        queuedTotal: 0,
        maxQueueDepth: 0,
        rateLimited: 0,
        faults: { 'http-500': 0, 'mid-stream-error': 0, reset: 0, stall: 0, malformed: 0, 'ws-426': 0 },
        // "x" three times (the warm-up's too); the refused chained turn was never planned.
        cachedInputTokens: 0,
        uncachedInputTokens: 3,
      });
    } finally {
      await s.close();
    }
  });
});

/** Starts an SSE stream; resolves once it streams, with a promise of its end. */
function openStream(url: string): Promise<{ closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/v1/responses', url), { method: 'POST' }, (res) => {
      const closed = new Promise<void>((r) => res.once('close', () => r()));
      res.on('error', () => {});
      res.once('data', () => resolve({ closed }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'm', input: 'x', stream: true }));
  });
}

describe('close()', () => {
  it('ends open WebSockets, in-flight streams, pending upgrades and idle connections promptly', async () => {
    const s = await startServer({ ttftMs: 1, tps: 100, outputTokens: 100_000, wsConnectOverheadMs: 5_000 });
    const fast = await startServer({ ttftMs: 1, tps: 100, outputTokens: 100_000 });

    const ws = await WsClient.open(fast.url);
    ws.send({ type: 'response.create', model: 'm', input: 'x' });
    await ws.next();
    const wsClosed = new Promise<number>((resolve) => ws.ws.once('close', (code) => resolve(code)));

    const [sse, slowSse] = await Promise.all([openStream(fast.url), openStream(s.url)]);
    const pendingUpgrade = WsClient.open(s.url).then(
      () => 'opened',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 20));

    const t = process.hrtime.bigint();
    await Promise.all([s.close(), fast.close()]);
    expect(ms(t, process.hrtime.bigint())).toBeLessThan(300);
    await Promise.all([sse.closed, slowSse.closed]);
    expect(await wsClosed).toBe(1006);
    expect(await pendingUpgrade).toBe('failed');
    // Idempotent.
    await s.close();
  });
});
