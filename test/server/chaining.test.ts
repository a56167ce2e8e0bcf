import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type RunningServer, startServer } from '../../src/server/index.js';
import { post, WsClient } from './helpers.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ ttftMs: 2, tps: 20_000, outputTokens: 4 });
});
afterAll(() => server.close());

const TOOLS = [{ type: 'function', name: 'run', parameters: { type: 'object', properties: {} } }];
const CALL = { model: 'm', tools: TOOLS, tool_choice: 'required' };

function answer(callId: string, output = '{"exit":0}') {
  return { type: 'function_call_output', call_id: callId, output };
}

function missing(callId: string) {
  return {
    type: 'invalid_request_error',
    code: null,
    message: `No tool output found for function call ${callId}.`,
    param: 'input',
  };
}

describe('chaining from function calls over HTTP', () => {
  it('accepts a request that answers every pending call, and counts it', async () => {
    const before = server.stats();
    const first = await post(server.url, '/v1/responses', {
      ...CALL,
      input: 'Run the tests.',
      store: true,
      stream: true,
    });
    const done = first.events.at(-1)!.data.response;
    const callId: string = done.output[0].call_id;
    const input = [answer(callId)];
    const second = await post(server.url, '/v1/responses', {
      model: 'm',
      input,
      previous_response_id: done.id,
      stream: true,
    });
    expect(second.status).toBe(200);
    const r = second.events.at(-1)!.data.response;
    expect(r).toMatchObject({ status: 'completed', previous_response_id: done.id });
    expect(r.output[0].type).toBe('message');
    expect(r.usage.input_tokens).toBe(done.usage.total_tokens + countTokens('{"exit":0}'));

    // A message leaves nothing pending.
    const third = await post(server.url, '/v1/responses', { model: 'm', input: 'Thanks.', previous_response_id: r.id });
    expect(third.status).toBe(200);
    const after = server.stats();
    expect(after.chainedRequests - before.chainedRequests).toBe(2);
    expect(after.functionCalls - before.functionCalls).toBe(1);
    expect(after.previousNotFound).toBe(before.previousNotFound);
  });

  it('rejects a request that leaves a pending call unanswered with 400, non-streamed calls included', async () => {
    const first = JSON.parse(
      (await post(server.url, '/v1/responses', { ...CALL, input: 'Run it.', store: true })).body,
    );
    const callId: string = first.output[0].call_id;
    const before = server.stats().chainedRequests;
    for (const input of ['Go on.', [answer('call_other')], []]) {
      const r = await post(server.url, '/v1/responses', {
        model: 'm',
        input,
        previous_response_id: first.id,
        stream: true,
      });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toEqual({ error: missing(callId) });
    }
    expect(server.stats().chainedRequests).toBe(before);
    const ok = await post(server.url, '/v1/responses', {
      ...CALL,
      input: [answer(callId)],
      previous_response_id: first.id,
    });
    expect(JSON.parse(ok.body).output[0].type).toBe('function_call');
    expect(server.stats().chainedRequests).toBe(before + 1);
  });

  it('reports an unknown previous_response_id as previous_response_not_found, and counts it', async () => {
    const before = server.stats();
    const r = await post(server.url, '/v1/responses', {
      model: 'm',
      input: [answer('call_1')],
      previous_response_id: 'resp_nope',
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.code).toBe('previous_response_not_found');
    const after = server.stats();
    expect(after.previousNotFound - before.previousNotFound).toBe(1);
    expect(after.chainedRequests).toBe(before.chainedRequests);
  });
});

describe('chaining from function calls over WebSocket', () => {
  it('runs an agent loop on one socket: each turn answers the previous call and forces the next', async () => {
    const before = server.stats();
    const c = await WsClient.open(server.url);
    try {
      c.send({ type: 'response.create', ...CALL, input: 'Fix the build.', store: false });
      let previous = (await c.turn()).at(-1)!.data.response;
      for (let turn = 0; turn < 3; turn++) {
        const callId: string = previous.output[0].call_id;
        c.send({
          type: 'response.create',
          ...CALL,
          input: 'Not an answer.',
          store: false,
          previous_response_id: previous.id,
        });
        expect((await c.turn()).map((e) => e.data)).toEqual([{ type: 'error', status: 400, error: missing(callId) }]);

        c.send({
          type: 'response.create',
          ...CALL,
          input: [answer(callId)],
          store: false,
          previous_response_id: previous.id,
        });
        const ev = await c.turn();
        const r = ev.at(-1)!.data.response;
        expect(r).toMatchObject({ status: 'completed', previous_response_id: previous.id });
        expect(r.output[0]).toMatchObject({ type: 'function_call', name: 'run' });
        expect(r.output[0].call_id).not.toBe(callId);
        expect(r.usage.input_tokens).toBe(previous.usage.total_tokens + countTokens('{"exit":0}'));
        previous = r;
      }
      c.send({ type: 'response.create', model: 'm', input: 'x', previous_response_id: 'resp_gone' });
      expect((await c.turn())[0].data.error.code).toBe('previous_response_not_found');
      const after = server.stats();
      expect(after.chainedRequests - before.chainedRequests).toBe(3);
      expect(after.functionCalls - before.functionCalls).toBe(4);
      expect(after.previousNotFound - before.previousNotFound).toBe(1);
      expect(after.wsTurns - before.wsTurns).toBe(4);
    } finally {
      c.close();
    }
  });
});
