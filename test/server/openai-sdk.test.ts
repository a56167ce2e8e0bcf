/**
 * The reference server driven by the official `openai` SDK (pinned 6.x: 7.x needs Node 22), unchanged:
 * if the SDK streams from it without complaint, real clients built on the SDK will too.
 */
import OpenAI, { APIError } from 'openai';
import type { ResponsesClientEvent, ResponsesServerEvent } from 'openai/resources/responses/responses';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type RunningServer, startServer } from '../../src/server/index.js';

const OUTPUT_TOKENS = 20;

let server: RunningServer;
let client: OpenAI;
beforeAll(async () => {
  server = await startServer({ ttftMs: 5, tps: 5000, outputTokens: OUTPUT_TOKENS, chunkTokens: 1 });
  client = new OpenAI({ baseURL: server.url + '/v1', apiKey: 'test', maxRetries: 0, timeout: 10_000 });
});
afterAll(() => server.close());

describe('openai SDK: Responses over SSE', () => {
  it('streams created … output_text.delta … completed through responses.create({stream:true})', async () => {
    const stream = await client.responses.create({
      model: 'wb-test',
      input: 'Say hello.',
      stream: true,
      max_output_tokens: 20,
    });
    const types: string[] = [];
    const deltas: string[] = [];
    let completed: OpenAI.Responses.Response | undefined;
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'response.output_text.delta') deltas.push(ev.delta);
      if (ev.type === 'response.completed') completed = ev.response;
      expect(ev.type).not.toBe('error');
      expect(ev.type).not.toBe('response.failed');
    }
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_text.delta');
    expect(types.at(-1)).toBe('response.completed');
    expect(types.indexOf('response.output_text.delta')).toBeGreaterThan(0);
    expect(completed).toBeDefined();
    const r = completed!;
    expect(r.status).toBe('completed');
    const message = r.output[0];
    expect(message.type).toBe('message');
    const text =
      message.type === 'message' ? message.content.map((c) => (c.type === 'output_text' ? c.text : '')).join('') : '';
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.join('')).toBe(text);
    // chunk_tokens 1: one token per delta.
    expect(r.usage?.output_tokens).toBe(deltas.length);
    expect(deltas.length).toBeLessThanOrEqual(20);
  });

  it('responses.stream() helper accumulates a final response with output_text', async () => {
    const stream = client.responses.stream({ model: 'wb-test', input: 'Say hello.', max_output_tokens: 10 });
    let deltas = '';
    stream.on('response.output_text.delta', (e) => {
      deltas += e.delta;
    });
    const final = await stream.finalResponse();
    expect(final.status).toBe('completed');
    expect(final.output_text.length).toBeGreaterThan(0);
    expect(final.output_text).toBe(deltas);
    expect(final.usage?.output_tokens).toBe(10);
  });

  it('chains with previous_response_id (stored, non-streamed and streamed) and rejects an unknown id', async () => {
    const first = await client.responses.create({
      model: 'wb-test',
      input: 'First turn.',
      store: true,
      max_output_tokens: 5,
    });
    expect(first.status).toBe('completed');
    expect(first.id).toMatch(/^resp_/);
    expect(first.output_text.length).toBeGreaterThan(0);
    expect(first.usage?.output_tokens).toBe(5);

    const second = await client.responses.create({
      model: 'wb-test',
      input: 'Second turn.',
      previous_response_id: first.id,
      store: true,
      max_output_tokens: 5,
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.output_text.length).toBeGreaterThan(0);
    // The chained context counts the first turn.
    expect(second.usage!.input_tokens).toBeGreaterThan(first.usage!.input_tokens);

    const stream = await client.responses.create({
      model: 'wb-test',
      input: 'Third.',
      previous_response_id: second.id,
      stream: true,
      max_output_tokens: 5,
    });
    let third: OpenAI.Responses.Response | undefined;
    for await (const ev of stream) if (ev.type === 'response.completed') third = ev.response;
    expect(third?.previous_response_id).toBe(second.id);
    expect(third?.usage?.input_tokens).toBeGreaterThan(second.usage!.input_tokens);

    const err = await client.responses
      .create({ model: 'wb-test', input: 'x', previous_response_id: 'resp_does_not_exist' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(APIError);
    const apiErr = err as APIError;
    expect(apiErr.status).toBe(400);
    expect(apiErr.code).toBe('previous_response_not_found');
    expect(apiErr.param).toBe('previous_response_id');
    expect(apiErr.type).toBe('invalid_request_error');

    // Streamed requests fail the same way (before any event).
    const errStream = await client.responses
      .create({ model: 'wb-test', input: 'x', previous_response_id: 'resp_nope', stream: true })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(errStream).toBeInstanceOf(APIError);
    expect((errStream as APIError).status).toBe(400);
    expect((errStream as APIError).code).toBe('previous_response_not_found');
  });

  it('accumulates a forced function call and chains its output with the stream() helper', async () => {
    const tools: OpenAI.Responses.Tool[] = [
      { type: 'function', name: 'search', parameters: { type: 'object', properties: {} }, strict: false },
    ];
    const stream = client.responses.stream({
      model: 'wb-test',
      input: 'Look it up.',
      tools,
      tool_choice: 'required',
      max_output_tokens: 5,
    });
    let args = '';
    stream.on('response.function_call_arguments.delta', (e) => {
      args += e.delta;
    });
    const final = await stream.finalResponse();
    const call = final.output[0];
    expect(call.type).toBe('function_call');
    if (call.type !== 'function_call') return;
    expect(call.name).toBe('search');
    expect(call.arguments).toBe(args);
    expect(Object.keys(JSON.parse(call.arguments))).toEqual(['query']);
    expect(final.usage?.output_tokens).toBe(5);

    const next = await client.responses.create({
      model: 'wb-test',
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'found' }],
      previous_response_id: final.id,
      max_output_tokens: 3,
    });
    expect(next.output_text.length).toBeGreaterThan(0);
    const unanswered = await client.responses
      .create({ model: 'wb-test', input: 'x', previous_response_id: final.id })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(unanswered).toBeInstanceOf(APIError);
    expect((unanswered as APIError).status).toBe(400);
    expect((unanswered as APIError).param).toBe('input');
  });
});

describe('openai SDK: Chat Completions over SSE', () => {
  it('streams chunks with include_usage; content equals the concatenation', async () => {
    const stream = await client.chat.completions.create({
      model: 'wb-test',
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 12,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hello.' },
      ],
    });
    let content = '';
    let contentChunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe('chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      if (choice.finish_reason) finish = choice.finish_reason;
      if (choice.delta.content) {
        content += choice.delta.content;
        contentChunks++;
      }
    }
    expect(chunks).toBeGreaterThan(2);
    expect(finish).toBe('stop');
    expect(usage).toBeDefined();
    expect(usage!.completion_tokens).toBe(12);
    expect(contentChunks).toBe(12);
    expect(usage!.prompt_tokens).toBeGreaterThan(0);
    expect(content.length).toBeGreaterThan(0);

    // The SDK's accumulating helper agrees.
    const runner = client.chat.completions.stream({
      model: 'wb-test',
      stream_options: { include_usage: true },
      max_completion_tokens: 7,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    let streamed = '';
    runner.on('content', (delta) => {
      streamed += delta;
    });
    const done = await runner.finalChatCompletion();
    expect(done.choices[0].message.content).toBe(streamed);
    expect(done.usage?.completion_tokens).toBe(7);
  });
});

/** Events of one WebSocket turn, up to response.completed; rejects on an error event. */
function wsTurn(rws: ResponsesWS, send: () => void): Promise<ResponsesServerEvent[]> {
  return new Promise((resolve, reject) => {
    const events: ResponsesServerEvent[] = [];
    const onEvent = (ev: ResponsesServerEvent) => {
      events.push(ev);
      if (ev.type === 'response.completed') {
        cleanup();
        resolve(events);
      }
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      rws.off('event', onEvent);
      rws.off('error', onError);
    };
    rws.on('event', onEvent);
    rws.on('error', onError);
    send();
  });
}

function textOf(events: ResponsesServerEvent[]): {
  deltas: string;
  done: OpenAI.Responses.Response;
  itemDone: boolean;
} {
  let deltas = '';
  let done: OpenAI.Responses.Response | undefined;
  let itemDone = false;
  for (const ev of events) {
    if (ev.type === 'response.output_text.delta') deltas += ev.delta;
    if (ev.type === 'response.output_item.done' && ev.item.type === 'message') itemDone = true;
    if (ev.type === 'response.completed') done = ev.response;
  }
  return { deltas, done: done!, itemDone };
}

describe('openai SDK: Responses WebSocket mode', () => {
  // This uses the SDK's own Responses WebSocket client (openai/resources/responses/ws, `ResponsesWS`),
  // with the extra upgrade headers and permessage-deflate offer Codex CLI sends. The SDK's
  // ResponsesClientEvent type has no `generate` field, so the warm-up goes through a cast.
  it('warms up with generate:false and chains turns with only the new input items', async () => {
    const before = server.stats();
    const rws = new ResponsesWS(client, {
      headers: { 'openai-beta': 'responses_websockets=2026-02-06' },
      perMessageDeflate: true,
    });
    try {
      expect(rws.url.protocol).toBe('ws:');
      expect(rws.url.pathname).toBe('/v1/responses');
      // The body fields Codex sends on every turn (client_metadata aside: not in the SDK's type).
      const common: Omit<ResponsesClientEvent, 'type'> = {
        model: 'wb-test',
        store: false,
        instructions: 'You are a coding agent.',
        tools: [
          {
            type: 'function',
            name: 'shell',
            description: 'Run a command.',
            parameters: { type: 'object', properties: { cmd: { type: 'string' } } },
            strict: false,
          },
        ],
        reasoning: { effort: 'low', summary: 'auto' },
        include: ['reasoning.encrypted_content'],
      };

      const warmUp = { type: 'response.create', ...common, input: [], generate: false } as ResponsesClientEvent;
      const warm = await wsTurn(rws, () => rws.send(warmUp));
      expect(warm.map((e) => e.type)).toEqual(['response.created', 'response.completed']);
      const w = textOf(warm).done;
      expect(w.status).toBe('completed');
      expect(w.output).toEqual([]);

      const t1 = await wsTurn(rws, () =>
        rws.send({
          type: 'response.create',
          ...common,
          previous_response_id: w.id,
          input: [{ role: 'user', content: 'List the files.' }],
          max_output_tokens: 8,
        }),
      );
      const r1 = textOf(t1);
      expect(r1.itemDone).toBe(true);
      expect(r1.done.previous_response_id).toBe(w.id);
      expect(r1.done.usage?.output_tokens).toBe(8);
      const msg1 = r1.done.output[0];
      expect(msg1.type === 'message' && msg1.content[0].type === 'output_text' ? msg1.content[0].text : undefined).toBe(
        r1.deltas,
      );

      // The next turn sends only the tool result, chained to the previous response (store:false: the
      // connection's cache is what resolves it).
      const t2 = await wsTurn(rws, () =>
        rws.send({
          type: 'response.create',
          ...common,
          previous_response_id: r1.done.id,
          input: [{ type: 'function_call_output', call_id: 'call_1', output: 'a.txt\nb.txt' }],
          max_output_tokens: 6,
        }),
      );
      const r2 = textOf(t2);
      expect(r2.itemDone).toBe(true);
      expect(r2.done.previous_response_id).toBe(r1.done.id);
      expect(r2.done.usage?.output_tokens).toBe(6);
      expect(r2.done.usage!.input_tokens).toBeGreaterThan(r1.done.usage!.input_tokens);
      expect(t2.map((e) => e.sequence_number)).toEqual(t2.map((_, i) => i));

      // An unknown id is an error event the SDK surfaces as a WebSocketError; the socket stays usable.
      const err = await wsTurn(rws, () =>
        rws.send({ type: 'response.create', ...common, previous_response_id: 'resp_nope', input: [] }),
      ).then(
        () => undefined,
        (e: unknown) => e as { error?: { error?: { code?: string } } },
      );
      expect(err?.error?.error?.code).toBe('previous_response_not_found');
      const t3 = await wsTurn(rws, () =>
        rws.send({
          type: 'response.create',
          ...common,
          previous_response_id: r2.done.id,
          input: [{ role: 'user', content: 'Thanks.' }],
          max_output_tokens: 3,
        }),
      );
      expect(textOf(t3).done.usage?.output_tokens).toBe(3);

      const after = server.stats();
      expect(after.wsConnections - before.wsConnections).toBe(1);
      expect(after.wsTurns - before.wsTurns).toBe(4);
    } finally {
      rws.close();
    }
  });
});
