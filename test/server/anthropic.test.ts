import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { now } from '../../src/core/clock.js';
import { anthropicMessages } from '../../src/protocols/anthropic-messages.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { decodeFrom } from './decode.js';
import { post } from './helpers.js';

const messages = [{ role: 'user', content: [{ type: 'text', text: 'Say something.' }] }];
const request = (fields: Record<string, unknown> = {}) => ({
  model: 'claude-wb',
  max_tokens: 100,
  messages,
  stream: true,
  ...fields,
});

describe('Anthropic Messages twin', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ ttftMs: 2, tps: 20_000, outputTokens: 5 });
  });
  afterAll(() => server.close());

  it('sends message_start, content_block_start, ping, the deltas, content_block_stop, message_delta, message_stop', async () => {
    const r = await post(server.url, '/v1/messages', { ...request(), system: 'You are terse.' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream');
    for (const e of r.events) expect(e.event).toBe(e.data.type);
    expect(r.events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array<string>(5).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const [start, block] = r.events.map((e) => e.data);
    expect(start.message).toEqual({
      id: expect.stringMatching(/^msg_[0-9a-f]{32}$/),
      type: 'message',
      role: 'assistant',
      model: 'claude-wb',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: countTokens('You are terse.') + countTokens('Say something.'),
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 0,
      },
    });
    expect(block).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    const deltas = r.events.filter((e) => e.event === 'content_block_delta').map((e) => e.data);
    for (const d of deltas)
      expect(d).toEqual({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: expect.any(String) },
      });
    expect(r.events.at(-2)!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 5 },
    });
  });

  it('counts one output token per delta, and stops at max_tokens with stop_reason max_tokens', async () => {
    const r = await post(server.url, '/v1/messages', request({ max_tokens: 3 }));
    const deltas = r.events.filter((e) => e.event === 'content_block_delta');
    expect(deltas).toHaveLength(3);
    const usage = r.events.find((e) => e.event === 'message_delta')!.data;
    expect(usage.usage.output_tokens).toBe(deltas.length);
    expect(usage.delta.stop_reason).toBe('max_tokens');
    expect(countTokens(deltas.map((e) => e.data.delta.text).join(''))).toBe(3);
  });

  it('answers a non-streamed request with a message object', async () => {
    const r = await post(server.url, '/v1/messages', request({ stream: false, max_tokens: 4 }));
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({
      type: 'message',
      role: 'assistant',
      stop_reason: 'max_tokens',
      usage: { output_tokens: 4 },
    });
    expect(body.content).toHaveLength(1);
    expect(countTokens(body.content[0].text)).toBe(4);
  });

  it.each([
    [{ max_tokens: undefined }, 'max_tokens: Field required'],
    [{ max_tokens: 0 }, 'max_tokens: Input should be an integer greater than or equal to 1'],
    [{ messages: undefined }, 'messages: Field required'],
    [{ messages: [] }, 'messages: at least one message is required'],
  ])("rejects %j in Anthropic's error shape", async (fields, message) => {
    const r = await post(server.url, '/v1/messages', request(fields));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message } });
  });

  it('decodes through the anthropic-messages adapter: ack, deltas, usage matching the text, done with the id', async () => {
    const { status, sink } = await decodeFrom(server.url, anthropicMessages.http, {
      model: 'm',
      prompt: 'Hello there',
      maxOutputTokens: 4,
      extra: {},
    });
    expect(status).toBe(200);
    const kinds = sink.calls.map((c) => c[0]);
    expect(kinds).toEqual(['ack', 'delta', 'delta', 'delta', 'delta', 'usage', 'done']);
    expect(sink.calls.at(-2)).toEqual(['usage', countTokens('Hello there'), 4]);
    expect(countTokens(sink.deltas().join(''))).toBe(4);
    expect(sink.calls.at(-1)![2]).toMatch(/^msg_/);
  });
});

describe('Anthropic Messages twin, stamped', () => {
  it('puts wb_t last in every event, and the adapter passes it with each delta', async () => {
    const server = await startServer({ ttftMs: 1, tps: 20_000, outputTokens: 3, stamp: true });
    try {
      const r = await post(server.url, '/v1/messages', request());
      for (const e of r.events) expect(e.raw).toMatch(/,"wb_t":"\d+"}$/);
      const { sink } = await decodeFrom(server.url, anthropicMessages.http, {
        model: 'm',
        prompt: 'x',
        maxOutputTokens: 10,
        extra: {},
      });
      const stamps = sink.calls.filter((c) => c[0] === 'delta').map((c) => c[4]);
      expect(stamps).toHaveLength(3);
      // Write times on the harness clock: after its epoch, before the deltas were read.
      for (const s of stamps) expect(s).toSatisfy((w: number) => w > 0 && w < now());
    } finally {
      await server.close();
    }
  });
});
