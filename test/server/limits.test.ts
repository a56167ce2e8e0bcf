import net from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { type RunningServer, startServer } from '../../src/server/index.js';

/** `serve`'s limits: what a careless or hostile client sends is refused before it costs the other streams. */
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ ttftMs: 1, tps: 20_000, outputTokens: 3, maxBodyBytes: 4096 });
});
afterAll(() => server.close());

const post = (body: string) =>
  fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('reference server limits', () => {
  it('answers a body beyond max_body_bytes with 413, and one within it as usual', async () => {
    const big = await post(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
    const small = await post(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
    expect(small.status).toBe(200);
    await small.text();
  });

  it('closes a WebSocket whose message passes the limit with 1009', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/v1/responses`);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(JSON.stringify({ type: 'response.create', model: 'm', input: 'x'.repeat(10_000) }));
    expect(await closed).toBe(1009);
  });

  it('closes connections beyond max_connections as they arrive', async () => {
    // A server of its own: the other tests' kept-alive connections would count against the limit.
    const own = await startServer({ maxConnections: 3 });
    const sockets = await Promise.all(
      Array.from({ length: 5 }, () => {
        const s = net.connect(Number(new URL(own.url).port), '127.0.0.1');
        return new Promise<net.Socket>((r) => s.once('connect', () => r(s)));
      }),
    );
    // The server drops the ones past its limit: they see the end of the stream at once.
    const ends = sockets.map(
      (s) =>
        new Promise<boolean>((r) => {
          s.once('close', () => r(true));
          setTimeout(() => r(false), 500).unref();
        }),
    );
    const closed = (await Promise.all(ends)).filter(Boolean).length;
    for (const s of sockets) s.destroy();
    await own.close();
    expect(closed).toBe(2);
  });
});
