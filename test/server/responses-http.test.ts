import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type RunningServer, startServer } from '../../src/server/index.js';
import { deltas, post } from './helpers.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ ttftMs: 5, tps: 20_000, outputTokens: 12 });
});
afterAll(() => server.close());

const ACK = ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added'];
const DONE = [
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
];

describe('Responses over HTTP SSE', () => {
  it('streams the full event sequence with sequence numbers, ids and usage', async () => {
    const input = 'Write a haiku about sockets.';
    const r = await post(server.url, '/v1/responses', { model: 'wb-model', input, stream: true });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream');
    expect(r.headers['cache-control']).toBe('no-cache');
    const types = r.events.map((e) => e.data.type);
    expect(types).toEqual([...ACK, ...Array(12).fill('response.output_text.delta'), ...DONE]);
    r.events.forEach((e, i) => {
      expect(e.event).toBe(e.data.type);
      expect(e.data.sequence_number).toBe(i);
      expect(Object.keys(e.data).slice(0, 2)).toEqual(['type', 'sequence_number']);
    });
    expect(r.body).not.toContain('[DONE]');

    const created = r.events[0].data.response;
    expect(created).toMatchObject({
      object: 'response',
      status: 'in_progress',
      model: 'wb-model',
      output: [],
      usage: null,
      previous_response_id: null,
    });
    expect(created.id).toMatch(/^resp_[0-9a-f]+$/);
    const item = r.events[2].data;
    expect(item).toMatchObject({
      output_index: 0,
      item: { type: 'message', status: 'in_progress', role: 'assistant', content: [] },
    });
    const msgId: string = item.item.id;
    expect(msgId).toMatch(/^msg_[0-9a-f]+$/);
    expect(r.events[3].data).toMatchObject({
      item_id: msgId,
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    });

    const d = r.events[4];
    expect(Object.keys(d.data)).toEqual([
      'type',
      'sequence_number',
      'item_id',
      'output_index',
      'content_index',
      'delta',
      'logprobs',
    ]);
    expect(d.data).toMatchObject({ item_id: msgId, output_index: 0, content_index: 0, logprobs: [] });

    const text = deltas(r.events).join('');
    const [textDone, partDone, itemDone, completed] = r.events.slice(-4).map((e) => e.data);
    expect(textDone).toMatchObject({ item_id: msgId, text });
    expect(partDone).toMatchObject({ item_id: msgId, part: { type: 'output_text', text, annotations: [] } });
    const message = {
      id: msgId,
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [] }],
    };
    expect(itemDone.item).toEqual(message);
    expect(completed.response).toMatchObject({ id: created.id, status: 'completed', output: [message] });
    const inputTokens = countTokens(input);
    expect(completed.response.usage).toEqual({
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 12,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + 12,
    });
    expect(countTokens(text)).toBe(12);
  });

  it('caps the output at max_output_tokens and counts the text of input items', async () => {
    const input = [
      { role: 'user', content: [{ type: 'input_text', text: 'first part' }] },
      { type: 'function_call_output', call_id: 'c1', output: '{"ok":true}' },
    ];
    const r = await post(server.url, '/v1/responses', {
      model: 'm',
      input,
      instructions: 'Be brief.',
      max_output_tokens: 5,
      stream: true,
    });
    expect(deltas(r.events)).toHaveLength(5);
    const usage = r.events.at(-1)!.data.response.usage;
    expect(usage.output_tokens).toBe(5);
    expect(usage.input_tokens).toBe(countTokens('first part') + countTokens('{"ok":true}') + countTokens('Be brief.'));
    expect(r.events[0].data.response.max_output_tokens).toBe(5);
  });

  it('groups chunkTokens words per delta, the last delta carrying the remainder', async () => {
    const s = await startServer({ ttftMs: 1, tps: 20_000, outputTokens: 10, chunkTokens: 4 });
    try {
      const r = await post(s.url, '/v1/responses', { model: 'm', input: 'x', stream: true });
      const d = deltas(r.events);
      expect(d.map((t) => t.match(/ [a-z]+/g)!.length)).toEqual([4, 4, 2]);
      expect(d.map((t) => countTokens(t))).toEqual([4, 4, 2]);
      expect(r.events.at(-1)!.data.response.usage.output_tokens).toBe(10);
    } finally {
      await s.close();
    }
  });

  it('chains stored responses with previous_response_id, counting the earlier context as input', async () => {
    const first = await post(server.url, '/v1/responses', {
      model: 'm',
      input: 'hello there',
      stream: true,
      store: true,
    });
    const firstUsage = first.events.at(-1)!.data.response.usage;
    const id = first.events[0].data.response.id;
    const second = await post(server.url, '/v1/responses', {
      model: 'm',
      input: 'and again',
      previous_response_id: id,
      stream: true,
    });
    expect(second.status).toBe(200);
    expect(second.events[0].data.response.previous_response_id).toBe(id);
    expect(second.events.at(-1)!.data.response.usage.input_tokens).toBe(
      firstUsage.total_tokens + countTokens('and again'),
    );
  });

  it('rejects an unknown or unstored previous_response_id with 400', async () => {
    const r = await post(server.url, '/v1/responses', {
      model: 'm',
      input: 'x',
      previous_response_id: 'resp_nope',
      stream: true,
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'previous_response_not_found',
        message: "Previous response with id 'resp_nope' not found.",
        param: 'previous_response_id',
      },
    });
    const unstored = await post(server.url, '/v1/responses', { model: 'm', input: 'x', stream: true, store: false });
    const id = unstored.events[0].data.response.id;
    const again = await post(server.url, '/v1/responses', {
      model: 'm',
      input: 'x',
      previous_response_id: id,
      stream: true,
    });
    expect(again.status).toBe(400);
  });

  it('answers a non-streamed request with the completed response object', async () => {
    const r = await post(server.url, '/v1/responses', { model: 'm', input: 'x', max_output_tokens: 3 });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({ object: 'response', status: 'completed', usage: { output_tokens: 3 } });
    expect(countTokens(body.output[0].content[0].text)).toBe(3);
  });

  it('is deterministic: the same seed gives the same text, another seed another', async () => {
    const texts = async (seed: number) => {
      const s = await startServer({ seed, ttftMs: 1, tps: 50_000, outputTokens: 40 });
      try {
        const out: string[] = [];
        for (let i = 0; i < 2; i++)
          out.push(
            deltas((await post(s.url, '/v1/responses', { model: 'm', input: 'x', stream: true })).events).join(''),
          );
        return out;
      } finally {
        await s.close();
      }
    };
    const [a, b, c] = [await texts(7), await texts(7), await texts(8)];
    expect(a).toEqual(b);
    expect(a[0]).not.toBe(a[1]);
    expect(c[0]).not.toBe(a[0]);
    expect(c[1]).not.toBe(a[1]);
  });
});

describe('HTTP errors', () => {
  it('returns 404 JSON for unknown routes and methods', async () => {
    for (const [method, path] of [
      ['POST', '/v1/nope'],
      ['GET', '/v1/responses'],
    ]) {
      const res = await fetch(new URL(path, server.url), { method, body: method === 'POST' ? '{}' : undefined });
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe('not_found');
    }
  });

  it('returns 400 JSON for a malformed body or a bad field', async () => {
    const bad = await post(server.url, '/v1/responses', '{"model": ');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
    const field = await post(server.url, '/v1/chat/completions', { messages: [], max_tokens: -1 });
    expect(field.status).toBe(400);
    expect(JSON.parse(field.body).error).toMatchObject({ code: 'invalid_value', param: 'max_tokens' });
  });
});
