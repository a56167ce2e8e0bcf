import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type RunningServer, startServer } from '../../src/server/index.js';
import { deltas, post, type Received, WsClient } from './helpers.js';

// The server's output length plays the model stopping at EOS after 5 tokens.
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ ttftMs: 2, tps: 20_000, outputTokens: 5 });
});
afterAll(() => server.close());

const messages = [{ role: 'user', content: 'Count.' }];

/** Content chunks and usage of a streamed chat completion. */
async function chat(fields: Record<string, unknown>): Promise<{ chunks: number; tokens: number }> {
  const r = await post(server.url, '/v1/chat/completions', {
    model: 'm',
    messages,
    stream: true,
    stream_options: { include_usage: true },
    ...fields,
  });
  expect(r.status).toBe(200);
  const events = r.events.filter((e) => e.data !== '[DONE]');
  const chunks = events.filter((e) => e.data.choices[0]?.delta.content).length;
  return { chunks, tokens: events.at(-1)!.data.usage.completion_tokens };
}

/** Output tokens of a streamed Responses request, checked against its text deltas. */
async function responses(fields: Record<string, unknown>): Promise<number> {
  const r = await post(server.url, '/v1/responses', { model: 'm', input: 'Count.', stream: true, ...fields });
  expect(r.status).toBe(200);
  const n: number = r.events.at(-1)!.data.response.usage.output_tokens;
  expect(deltas(r.events)).toHaveLength(n);
  return n;
}

describe('ignore_eos and min_tokens (vLLM, SGLang)', () => {
  it.each([
    [{}, 5],
    [{ max_tokens: 12 }, 5],
    [{ max_tokens: 3 }, 3],
    [{ max_tokens: 12, ignore_eos: true }, 12],
    [{ max_completion_tokens: 9, ignore_eos: true }, 9],
    [{ ignore_eos: true }, 5],
    [{ max_tokens: 12, ignore_eos: false }, 5],
    [{ max_tokens: 12, min_tokens: 9 }, 9],
    [{ max_tokens: 12, min_tokens: 3 }, 5],
    [{ min_tokens: 20 }, 20],
    [{ max_tokens: 12, min_tokens: 12 }, 12],
  ])('chat %j: %i tokens', async (fields, tokens) => {
    expect(await chat(fields)).toEqual({ chunks: tokens, tokens });
  });

  it('chat, not streamed', async () => {
    const r = await post(server.url, '/v1/chat/completions', {
      model: 'm',
      messages,
      max_tokens: 11,
      ignore_eos: true,
    });
    expect(JSON.parse(r.body).usage.completion_tokens).toBe(11);
  });

  it('Responses over HTTP, streamed and not', async () => {
    expect(await responses({ max_output_tokens: 12, ignore_eos: true })).toBe(12);
    expect(await responses({ max_output_tokens: 12, min_tokens: 8 })).toBe(8);
    expect(await responses({ max_output_tokens: 12 })).toBe(5);
    const r = await post(server.url, '/v1/responses', {
      model: 'm',
      input: 'Count.',
      max_output_tokens: 7,
      ignore_eos: true,
    });
    expect(JSON.parse(r.body).usage.output_tokens).toBe(7);
  });

  it('Responses over WebSocket; the warm-up still generates nothing', async () => {
    const c = await WsClient.open(server.url);
    const turn = async (fields: Record<string, unknown>): Promise<Received[]> => {
      c.send({ type: 'response.create', model: 'm', input: 'Count.', store: false, ...fields });
      return c.turn();
    };
    try {
      for (const [fields, n] of [
        [{ max_output_tokens: 10, ignore_eos: true }, 10],
        [{ max_output_tokens: 10, min_tokens: 7 }, 7],
        [{ max_output_tokens: 10, min_tokens: 7, generate: false }, 0],
      ] as const) {
        const events = await turn(fields);
        expect(events.at(-1)!.data.response.usage.output_tokens).toBe(n);
        expect(deltas(events)).toHaveLength(n);
      }
      const bad = await turn({ ignore_eos: 'yes' });
      expect(bad.at(-1)!.data).toMatchObject({ type: 'error', status: 400, error: { param: 'ignore_eos' } });
    } finally {
      c.close();
    }
  });

  it('other protocols ignore them', async () => {
    const body = { model: 'm', max_tokens: 12, ignore_eos: true, min_tokens: 9, messages, stream: true };
    const r = await post(server.url, '/v1/messages', body);
    expect(r.events.find((e) => e.data.type === 'message_delta')!.data.usage.output_tokens).toBe(5);
  });

  it.each([
    [{ ignore_eos: 'true' }, 'ignore_eos', 'invalid_type'],
    [{ ignore_eos: 1 }, 'ignore_eos', 'invalid_type'],
    [{ ignore_eos: null }, 'ignore_eos', 'invalid_type'],
    [{ min_tokens: '3' }, 'min_tokens', 'invalid_type'],
    [{ min_tokens: 2.5 }, 'min_tokens', 'invalid_type'],
    [{ min_tokens: null }, 'min_tokens', 'invalid_type'],
    [{ min_tokens: -1 }, 'min_tokens', 'invalid_value'],
    [{ max_tokens: 4, min_tokens: 5 }, 'min_tokens', 'invalid_value'],
  ])('rejects %j with 400 (chat and Responses)', async (fields, param, code) => {
    const chatBody = { model: 'm', messages, ...fields };
    const { max_tokens: max, ...rest } = fields as Record<string, unknown>;
    const responsesBody = {
      model: 'm',
      input: 'Count.',
      ...rest,
      ...(max === undefined ? {} : { max_output_tokens: max }),
    };
    for (const [path, body] of [
      ['/v1/chat/completions', chatBody],
      ['/v1/responses', responsesBody],
    ] as const) {
      const r = await post(server.url, path, body);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error).toMatchObject({ type: 'invalid_request_error', code, param });
    }
  });
});
