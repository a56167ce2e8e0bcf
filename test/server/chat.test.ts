import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type RunningServer, startServer } from '../../src/server/index.js';
import { post, type Received } from './helpers.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ ttftMs: 2, tps: 20_000, outputTokens: 8, chunkTokens: 3 });
});
afterAll(() => server.close());

const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: [{ type: 'text', text: 'Say something.' }] },
];

function content(events: Received[]): string[] {
  return events
    .filter((e) => e.data !== '[DONE]' && e.data.choices[0]?.delta.content)
    .map((e) => e.data.choices[0].delta.content);
}

describe('Chat Completions SSE', () => {
  it('sends the role chunk, content chunks, the stop chunk, usage and [DONE]', async () => {
    const r = await post(server.url, '/v1/chat/completions', {
      model: 'wb',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream');
    expect(r.body).not.toContain('event:');
    const ev = r.events.map((e) => e.data);
    expect(ev).toHaveLength(1 + 3 + 1 + 1 + 1);
    const id: string = ev[0].id;
    expect(id).toMatch(/^chatcmpl-[0-9a-f]+$/);
    for (const c of ev.slice(0, -1)) {
      expect(c).toMatchObject({ id, object: 'chat.completion.chunk', model: 'wb', created: ev[0].created });
      expect(Object.keys(c).slice(0, 5)).toEqual(['id', 'object', 'created', 'model', 'choices']);
    }
    expect(ev[0].choices).toEqual([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    const parts = content(r.events);
    expect(parts.map((t) => countTokens(t))).toEqual([3, 3, 2]);
    for (const c of ev.slice(1, 4))
      expect(c.choices).toEqual([{ index: 0, delta: { content: expect.any(String) }, finish_reason: null }]);
    expect(ev[4].choices).toEqual([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    const prompt = countTokens('You are terse.') + countTokens('Say something.');
    expect(ev[5].choices).toEqual([]);
    expect(ev[5].usage).toEqual({
      prompt_tokens: prompt,
      completion_tokens: 8,
      total_tokens: prompt + 8,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    expect(ev[6]).toBe('[DONE]');
  });

  it('omits the usage chunk unless asked for it', async () => {
    const r = await post(server.url, '/v1/chat/completions', { model: 'wb', messages, stream: true });
    expect(r.events.some((e) => e.data !== '[DONE]' && 'usage' in e.data)).toBe(false);
    expect(r.events.at(-1)!.data).toBe('[DONE]');
  });

  it('caps the output at max_completion_tokens, else max_tokens', async () => {
    const a = await post(server.url, '/v1/chat/completions', {
      model: 'wb',
      messages,
      stream: true,
      max_completion_tokens: 2,
      max_tokens: 7,
    });
    expect(countTokens(content(a.events).join(''))).toBe(2);
    const b = await post(server.url, '/v1/chat/completions', {
      model: 'wb',
      messages,
      stream: true,
      max_tokens: 4,
      stream_options: { include_usage: true },
    });
    expect(content(b.events).join('')).toMatch(/^( [a-z]+){4}$/);
    expect(b.events.at(-2)!.data.usage.completion_tokens).toBe(4);
  });

  it('answers a non-streamed request with a chat.completion object', async () => {
    const r = await post(server.url, '/v1/chat/completions', { model: 'wb', messages, max_tokens: 5 });
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' }],
    });
    expect(body.usage.completion_tokens).toBe(5);
    expect(countTokens(body.choices[0].message.content)).toBe(5);
  });
});
