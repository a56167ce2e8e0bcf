import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type RunningServer, startServer } from '../../src/server/index.js';
import { deltas, post, type Received, WsClient } from './helpers.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ ttftMs: 3, tps: 20_000, outputTokens: 6, stamp: true });
});
afterAll(() => server.close());

const ARGS_DELTA = 'response.function_call_arguments.delta';
const TOOLS = [
  { type: 'web_search' },
  {
    type: 'function',
    name: 'search',
    description: 'Search the code base.',
    parameters: { type: 'object', properties: { query: { type: 'string' } } },
  },
  { type: 'function', name: 'open', parameters: { type: 'object', properties: {} } },
];
const CALL_BODY = { model: 'm', input: 'Find the bug.', tools: TOOLS, tool_choice: 'required' };

/** Checks one function-call response's events and returns its completed function_call item. */
function checkCall(events: Received[], name: string, tokens: number) {
  expect(events.map((e) => e.data.type)).toEqual([
    'response.created',
    'response.in_progress',
    'response.output_item.added',
    // One per generated chunk, and one that closes the arguments.
    ...Array(tokens + 1).fill(ARGS_DELTA),
    'response.function_call_arguments.done',
    'response.output_item.done',
    'response.completed',
  ]);
  events.forEach((e, i) => {
    expect(e.data.sequence_number).toBe(i);
    expect(e.raw).toMatch(/,"wb_t":"\d+"\}$/);
  });
  const added = events[2].data;
  expect(added.output_index).toBe(0);
  expect(Object.keys(added.item)).toEqual(['id', 'type', 'status', 'arguments', 'call_id', 'name']);
  expect(added.item).toMatchObject({ type: 'function_call', status: 'in_progress', arguments: '', name });
  expect(added.item.id).toMatch(/^fc_[0-9a-f]+$/);
  expect(added.item.call_id).toMatch(/^call_[0-9a-f]+$/);

  const d = events.filter((e) => e.data.type === ARGS_DELTA);
  for (const e of d) {
    expect(Object.keys(e.data)).toEqual(['type', 'sequence_number', 'item_id', 'output_index', 'delta', 'wb_t']);
    expect(e.data).toMatchObject({ item_id: added.item.id, output_index: 0 });
  }
  const parts = deltas(events, ARGS_DELTA);
  const args = parts.join('');
  const parsed = JSON.parse(args);
  expect(Object.keys(parsed)).toEqual(['query']);
  expect(countTokens(parsed.query)).toBe(tokens);

  const [argsDone, itemDone, completed] = events.slice(-3).map((e) => e.data);
  expect(argsDone).toMatchObject({ item_id: added.item.id, output_index: 0, arguments: args });
  const item = { ...added.item, status: 'completed', arguments: args };
  expect(itemDone).toMatchObject({ output_index: 0, item });
  expect(completed.response).toMatchObject({ status: 'completed', output: [item], tool_choice: CALL_BODY.tool_choice });
  expect(completed.response.usage).toMatchObject({ output_tokens: tokens, input_tokens: countTokens('Find the bug.') });
  return item;
}

describe('forced function calls', () => {
  it('streams a function call over SSE when tool_choice is required, calling the first function tool', async () => {
    const before = server.stats().functionCalls;
    const r = await post(server.url, '/v1/responses', { ...CALL_BODY, stream: true });
    expect(r.status).toBe(200);
    checkCall(r.events, 'search', 6);
    const parts = deltas(r.events, ARGS_DELTA);
    expect(parts[0]).toMatch(/^\{"query":" [a-z]+$/);
    expect(parts.at(-1)).toBe('"}');
    expect(server.stats().functionCalls).toBe(before + 1);
  });

  it('calls the function a tool_choice object names', async () => {
    const r = await post(server.url, '/v1/responses', {
      ...CALL_BODY,
      tool_choice: { type: 'function', name: 'open' },
      stream: true,
    });
    expect(r.events[2].data.item.name).toBe('open');
    expect(r.events.at(-1)!.data.response.output[0]).toMatchObject({ type: 'function_call', name: 'open' });
  });

  it('sends the same events over WebSocket', async () => {
    const sse = await post(server.url, '/v1/responses', { ...CALL_BODY, stream: true });
    const c = await WsClient.open(server.url);
    try {
      c.send({ type: 'response.create', ...CALL_BODY });
      const ev = await c.turn();
      checkCall(ev, 'search', 6);
      const norm = (s: string) =>
        s
          .replace(/(resp|fc|call)_[0-9a-f]+/g, '$1_x')
          .replace(/"(delta|arguments|query)":"(?:[^"\\]|\\.)*"/g, '"$1":""')
          .replace(/"(created_at|wb_t)":"?\d+"?/g, '');
      expect(ev.map((e) => norm(e.raw))).toEqual(sse.events.map((e) => norm(e.raw)));
    } finally {
      c.close();
    }
  });

  it('closes the arguments in one delta when no token is generated', async () => {
    const r = await post(server.url, '/v1/responses', { ...CALL_BODY, max_output_tokens: 0, stream: true });
    checkCall(r.events, 'search', 0);
    expect(deltas(r.events, ARGS_DELTA)).toEqual(['{"query":""}']);
  });

  it('answers a non-streamed request with the completed function call', async () => {
    const r = await post(server.url, '/v1/responses', CALL_BODY);
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({ object: 'response', status: 'completed', usage: { output_tokens: 6 } });
    expect(body.output).toHaveLength(1);
    const [call] = body.output;
    expect(call).toMatchObject({ type: 'function_call', status: 'completed', name: 'search' });
    expect(call.call_id).toMatch(/^call_[0-9a-f]+$/);
    expect(countTokens(JSON.parse(call.arguments).query)).toBe(6);
  });

  it('answers with a message when tool_choice is auto, none or absent', async () => {
    for (const tool_choice of ['auto', 'none', undefined]) {
      const r = await post(server.url, '/v1/responses', { ...CALL_BODY, tool_choice, stream: true });
      expect(deltas(r.events)).toHaveLength(6);
      expect(r.events.at(-1)!.data.response.output[0].type).toBe('message');
    }
  });

  it('rejects a tool_choice naming no function tool, and required without one', async () => {
    for (const body of [
      { ...CALL_BODY, tool_choice: { type: 'function', name: 'missing' } },
      { ...CALL_BODY, tool_choice: { type: 'function', name: 'web_search' } },
      { ...CALL_BODY, tools: [{ type: 'web_search' }] },
      { ...CALL_BODY, tools: [] },
    ]) {
      const r = await post(server.url, '/v1/responses', { ...body, stream: true });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error).toMatchObject({
        type: 'invalid_request_error',
        code: 'invalid_value',
        param: 'tool_choice',
      });
    }
    const c = await WsClient.open(server.url);
    try {
      c.send({ type: 'response.create', ...CALL_BODY, tool_choice: { type: 'function', name: 'missing' } });
      const [error] = await c.turn();
      expect(error.data).toMatchObject({
        type: 'error',
        status: 400,
        error: {
          type: 'invalid_request_error',
          param: 'tool_choice',
          message: "Tool choice 'missing' not found in 'tools' parameter.",
        },
      });
    } finally {
      c.close();
    }
  });
});
