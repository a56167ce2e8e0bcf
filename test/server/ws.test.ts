import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type RunningServer, startServer } from '../../src/server/index.js';
import { deltas, post, WsClient } from './helpers.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ ttftMs: 3, tps: 20_000, outputTokens: 6 });
});
afterAll(() => server.close());

const SEQUENCE = [
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
  ...Array(6).fill('response.output_text.delta'),
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
];

describe('Responses WebSocket mode', () => {
  it('runs several turns on one socket with the same events as SSE', async () => {
    const before = server.stats();
    const c = await WsClient.open(server.url, {
      headers: { 'openai-beta': 'responses_websockets=2026-02-06' },
      deflate: true,
    });
    try {
      expect(c.ws.extensions).toBe('');
      const sse = await post(server.url, '/v1/responses', { model: 'm', input: 'hi', stream: true });
      const ids = new Set<string>();
      for (let turn = 0; turn < 3; turn++) {
        c.send({ type: 'response.create', model: 'm', input: 'hi' });
        const ev = await c.turn();
        expect(ev.map((e) => e.data.type)).toEqual(SEQUENCE);
        ev.forEach((e, i) => expect(e.data.sequence_number).toBe(i));
        ids.add(ev[0].data.response.id);
        // Same shapes as over SSE, field for field (ids and text aside).
        const norm = (s: string) =>
          s
            .replace(/(resp|msg)_[0-9a-f]+/g, '$1_x')
            .replace(/"(delta|text)":"[^"]*"/g, '"$1":""')
            .replace(/"created_at":\d+/, '');
        expect(ev.map((e) => norm(e.raw))).toEqual(sse.events.map((e) => norm(e.raw)));
        expect(ev.at(-1)!.data.response.usage.output_tokens).toBe(6);
      }
      expect(ids.size).toBe(3);
      const after = server.stats();
      expect(after.wsConnections - before.wsConnections).toBe(1);
      expect(after.wsTurns - before.wsTurns).toBe(3);
    } finally {
      c.close();
    }
  });

  it('accepts the request fields nested under "response" and honours max_output_tokens', async () => {
    const c = await WsClient.open(server.url);
    try {
      c.send({ type: 'response.create', response: { model: 'nested', input: 'hi', max_output_tokens: 2 } });
      const ev = await c.turn();
      expect(ev[0].data.response.model).toBe('nested');
      expect(deltas(ev)).toHaveLength(2);
    } finally {
      c.close();
    }
  });

  it('answers a generate:false warm-up at once and chains turns from it', async () => {
    const c = await WsClient.open(server.url);
    try {
      const instructions = 'You are a coding agent.';
      c.send({ type: 'response.create', model: 'm', instructions, input: [], store: false, generate: false });
      const warm = await c.turn();
      expect(warm.map((e) => e.data.type)).toEqual(['response.created', 'response.completed']);
      expect(warm.map((e) => e.data.sequence_number)).toEqual([0, 1]);
      const done = warm[1].data.response;
      expect(done).toMatchObject({ status: 'completed', output: [] });
      expect(done.usage).toMatchObject({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });

      const input = [{ type: 'function_call_output', call_id: 'call_1', output: 'ok' }];
      c.send({ type: 'response.create', model: 'm', input, store: false, previous_response_id: done.id });
      const t1 = await c.turn();
      expect(t1.map((e) => e.data.type)).toEqual(SEQUENCE);
      const r1 = t1.at(-1)!.data.response;
      expect(r1.previous_response_id).toBe(done.id);
      expect(r1.usage.input_tokens).toBe(countTokens(instructions) + countTokens('ok'));

      c.send({ type: 'response.create', model: 'm', input: [], store: false, previous_response_id: r1.id });
      const t2 = await c.turn();
      expect(t2.at(-1)!.data.response.usage.input_tokens).toBe(r1.usage.total_tokens);
    } finally {
      c.close();
    }
  });

  it('reports an unknown previous_response_id as an error event and keeps the socket usable', async () => {
    const c = await WsClient.open(server.url);
    try {
      c.send({ type: 'response.create', model: 'm', input: 'x', previous_response_id: 'resp_gone' });
      const ev = await c.turn();
      expect(ev.map((e) => e.data)).toEqual([
        {
          type: 'error',
          status: 400,
          error: {
            type: 'invalid_request_error',
            code: 'previous_response_not_found',
            message: "Previous response with id 'resp_gone' not found.",
            param: 'previous_response_id',
          },
        },
      ]);
      c.send({ type: 'response.create', model: 'm', input: 'x' });
      expect((await c.turn()).at(-1)!.data.type).toBe('response.completed');
    } finally {
      c.close();
    }
  });

  it("does not see another socket's unstored responses but sees the global store", async () => {
    const a = await WsClient.open(server.url);
    const b = await WsClient.open(server.url);
    try {
      a.send({ type: 'response.create', model: 'm', input: 'x', store: false });
      const unstored = (await a.turn())[0].data.response.id;
      a.send({ type: 'response.create', model: 'm', input: 'x', store: true });
      const stored = (await a.turn())[0].data.response.id;
      b.send({ type: 'response.create', model: 'm', input: 'x', previous_response_id: unstored });
      expect((await b.turn())[0].data.error.code).toBe('previous_response_not_found');
      b.send({ type: 'response.create', model: 'm', input: 'x', previous_response_id: stored });
      expect((await b.turn()).at(-1)!.data.type).toBe('response.completed');
      const http = await post(server.url, '/v1/responses', {
        model: 'm',
        input: 'x',
        previous_response_id: stored,
        stream: true,
      });
      expect(http.status).toBe(200);
    } finally {
      a.close();
      b.close();
    }
  });

  it('rejects a response.create while a response is active, and finishes the active one', async () => {
    const s = await startServer({ ttftMs: 30, tps: 1000, outputTokens: 20 });
    const c = await WsClient.open(s.url);
    try {
      c.send({ type: 'response.create', model: 'm', input: 'x' });
      const created = await c.next();
      expect(created.data.type).toBe('response.created');
      c.send({ type: 'response.create', model: 'm', input: 'y' });
      // turn() stops at the error, which comes while the first turn still waits for its first token.
      const ev = await c.turn();
      expect(ev.map((e) => e.data.type)).toEqual([
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'error',
      ]);
      expect(ev.at(-1)!.data).toMatchObject({
        status: 400,
        error: { code: 'conversation_already_has_active_response' },
      });
      const rest = await c.turn();
      expect(deltas(rest)).toHaveLength(20);
      expect(rest.at(-1)!.data.type).toBe('response.completed');
    } finally {
      c.close();
      await s.close();
    }
  });

  it('reports malformed messages and unknown event types as error events', async () => {
    const c = await WsClient.open(server.url);
    try {
      c.send('not json');
      expect((await c.next()).data.error.code).toBe('invalid_json');
      c.send({ type: 'session.update' });
      expect((await c.next()).data).toMatchObject({ type: 'error', status: 400, error: { param: 'type' } });
    } finally {
      c.close();
    }
  });

  it('refuses upgrades on other paths with 404', async () => {
    await expect(WsClient.open(server.url, { path: '/v1/chat/completions' })).rejects.toThrow(/404/);
  });

  it('cleans up when a client vanishes mid-stream without a close frame', async () => {
    const s = await startServer({ ttftMs: 1, tps: 1000, outputTokens: 100_000 });
    try {
      const c = await WsClient.open(s.url);
      c.send({ type: 'response.create', model: 'm', input: 'x' });
      await c.next();
      c.ws.terminate();
      const other = await WsClient.open(s.url);
      other.send({ type: 'response.create', model: 'm', input: 'x', max_output_tokens: 3 });
      expect((await other.turn()).at(-1)!.data.type).toBe('response.completed');
      other.close();
    } finally {
      const t = process.hrtime.bigint();
      await s.close();
      expect(Number(process.hrtime.bigint() - t) / 1e6).toBeLessThan(500);
    }
  });
});
