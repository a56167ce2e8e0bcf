import { request } from 'node:http';

import { describe, expect, it } from 'vitest';

import { startServer } from '../../src/server/index.js';
import { SlotQueue, type Waiter } from '../../src/server/queue.js';
import { getStats, post, times, WsClient } from './helpers.js';

const BODY = { model: 'm', input: 'hi', stream: true };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SlotQueue', () => {
  it('admits up to max at once, then first come first served, skipping those that left', () => {
    const s = { queueDepth: 0, queuedTotal: 0, maxQueueDepth: 0 };
    const q = new SlotQueue(2, s);
    const admitted: string[] = [];
    const w = (name: string): Waiter => ({ admit: () => admitted.push(name) });
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(w);
    expect([q.enter(a), q.enter(b), q.enter(c), q.enter(d), q.enter(e)]).toEqual([true, true, false, false, false]);
    expect(s).toEqual({ queueDepth: 3, queuedTotal: 3, maxQueueDepth: 3 });
    q.leave(d);
    expect(s.queueDepth).toBe(2);
    q.leave(a);
    q.leave(b);
    expect(admitted).toEqual(['c', 'e']);
    expect(s).toEqual({ queueDepth: 0, queuedTotal: 3, maxQueueDepth: 3 });
    q.leave(c);
    q.leave(e);
    expect(q.enter(a)).toBe(true);
  });

  it('never queues with max 0', () => {
    const s = { queueDepth: 0, queuedTotal: 0, maxQueueDepth: 0 };
    const q = new SlotQueue(0, s);
    for (let i = 0; i < 100; i++) expect(q.enter({ admit: () => {} })).toBe(true);
    expect(s.queuedTotal).toBe(0);
  });
});

describe('maxConcurrent (real sockets)', () => {
  it(
    'acks at once but starts the queued generation when the slot frees: its TTFT includes the wait',
    { retry: 2 },
    async () => {
      const s = await startServer({ maxConcurrent: 1, ttftMs: 100, tps: 200, outputTokens: 20 });
      try {
        await post(s.url, '/v1/responses', { ...BODY, max_output_tokens: 1 });
        const first = post(s.url, '/v1/responses', BODY);
        const second = post(s.url, '/v1/responses', BODY);
        await sleep(50);
        expect(await getStats(s.url)).toMatchObject({ queueDepth: 1, queuedTotal: 1, maxQueueDepth: 1 });
        const [a, b] = await Promise.all([first, second]);
        const total1 = times(a.events, 'response.completed', a.start)[0];
        const ttft2 = times(b.events, 'response.output_text.delta', b.start)[0];
        // 100 ms TTFT + 19 intervals of 5 ms (accuracy.test.ts holds the single-stream schedule to account).
        expect(total1).toBeGreaterThanOrEqual(195);
        // Acked on time, like vLLM: the headers and response.created do not wait for the slot.
        expect(times(b.events, 'response.created', b.start)[0]).toBeLessThan(10);
        expect(ttft2).toBeGreaterThanOrEqual(total1 + 100 - 3);
        expect(ttft2).toBeLessThan(total1 + 100 + 8);
        expect(await getStats(s.url)).toMatchObject({
          queueDepth: 0,
          queuedTotal: 1,
          maxQueueDepth: 1,
          responsesCompleted: 3,
        });
      } finally {
        await s.close();
      }
    },
  );

  it(
    'lets a client leave the queue: the slot goes to the next in line, across HTTP and WebSocket',
    { retry: 2 },
    async () => {
      const s = await startServer({ maxConcurrent: 1, ttftMs: 100, tps: 200, outputTokens: 20 });
      const ws = await WsClient.open(s.url);
      try {
        const first = post(s.url, '/v1/responses', BODY);
        await sleep(5);
        const leaving = request(new URL('/v1/responses', s.url), { method: 'POST' });
        leaving.on('error', () => {});
        leaving.end(JSON.stringify(BODY));
        await sleep(5);
        const start = ws.send({ type: 'response.create', model: 'm', input: 'hi' });
        await sleep(40);
        expect((await getStats(s.url)).queueDepth).toBe(2);
        leaving.destroy();
        await sleep(20);
        expect((await getStats(s.url)).queueDepth).toBe(1);
        const a = await first;
        const turn = await ws.turn();
        const total1 = times(a.events, 'response.completed', a.start)[0];
        const ttftWs = times(turn, 'response.output_text.delta', start)[0];
        const offset = Number(start - a.start) / 1e6;
        expect(ttftWs + offset).toBeGreaterThanOrEqual(total1 + 100 - 3);
        expect(ttftWs + offset).toBeLessThan(total1 + 100 + 8);
        expect(await getStats(s.url)).toMatchObject({
          queueDepth: 0,
          queuedTotal: 2,
          maxQueueDepth: 2,
          responsesCompleted: 2,
        });
      } finally {
        ws.close();
        await s.close();
      }
    },
  );

  it('does not queue a response with nothing to generate (a warm-up)', async () => {
    const s = await startServer({ maxConcurrent: 1, ttftMs: 200, tps: 1000, outputTokens: 5 });
    try {
      const busy = post(s.url, '/v1/responses', BODY);
      const ws = await WsClient.open(s.url);
      ws.send({ type: 'response.create', model: 'm', input: [], generate: false });
      const warm = await ws.turn();
      expect(warm.map((e) => e.data.type)).toEqual(['response.created', 'response.completed']);
      expect((await getStats(s.url)).queuedTotal).toBe(0);
      ws.close();
      await busy;
    } finally {
      await s.close();
    }
  });

  it('serves /stats as JSON without counting it as a request', async () => {
    const s = await startServer();
    try {
      const st = await getStats(s.url);
      expect(st).toEqual(s.stats());
      expect(st.httpRequests).toBe(0);
    } finally {
      await s.close();
    }
  });
});
