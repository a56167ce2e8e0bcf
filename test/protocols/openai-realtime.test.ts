import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { fromStamp } from '../../src/core/clock.js';
import type { RequestInput } from '../../src/core/types.js';
import { cancelMessage, openaiRealtime, RealtimeEvents } from '../../src/protocols/openai-realtime.js';
import { type Call, fixture, RecordingSink } from './helpers.js';

const FIXTURES = [
  'realtime-ga.jsonl',
  'realtime-beta.jsonl',
  'realtime-stamped.jsonl',
  'realtime-error.jsonl',
  'realtime-failed.jsonl',
  'realtime-cancelled.jsonl',
];

/** One WebSocket message per line. */
function messages(name: string): Buffer[] {
  return fixture(name)
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Buffer.from(l));
}

function decode(msgs: readonly (Buffer | string)[], fastPath = true): { calls: Call[]; over: boolean[] } {
  const sink = new RecordingSink();
  const dec = openaiRealtime.ws.decoder(sink, fastPath);
  const over = msgs.map((m) => dec.message(typeof m === 'string' ? Buffer.from(m) : m, 1));
  return { calls: sink.calls, over };
}

function one(payload: string | Buffer, fastPath: boolean): Call[] {
  const sink = new RecordingSink();
  new RealtimeEvents(sink, fastPath).message(typeof payload === 'string' ? Buffer.from(payload) : payload, 5);
  return sink.calls;
}

const delta = (type: string, body: string): string =>
  `{"type":"${type}","event_id":"event_1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":${body}}`;

const done = (status: string, details: string, usage = 'null'): string =>
  `{"type":"response.done","event_id":"event_9","response":{"object":"realtime.response","id":"resp_x","status":"${status}","status_details":${details},"output":[],"usage":${usage}}}`;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('openai-realtime decoding', () => {
  it('GA: ack on response.created, every output_text delta unescaped, usage and done on response.done', () => {
    const { calls, over } = decode(messages('realtime-ga.jsonl'));
    expect(calls).toEqual([
      ['ack', 1],
      ['delta', 1, 'text', 'Hello', undefined],
      ['delta', 1, 'text', ' "there"!\n', undefined],
      ['delta', 1, 'text', 'Café 😀 日本', undefined],
      ['delta', 1, 'text', '', undefined],
      ['delta', 1, 'text', ' C:\\path', undefined],
      ['usage', 41, 12],
      ['done', 1, 'resp_CHnUpFb1dqRpTUWmLzQyX'],
    ]);
    // The turn is over at response.done; the rate_limits.updated after it is the next turn's business.
    expect(over.indexOf(true)).toBe(over.length - 2);
  });

  it('beta: response.text.delta and the audio transcript are text; audio itself is not', () => {
    const { calls } = decode(messages('realtime-beta.jsonl'));
    expect(calls).toEqual([
      ['ack', 1],
      ['delta', 1, 'text', 'Sure', undefined],
      ['delta', 1, 'text', ', here', undefined],
      ['delta', 1, 'text', ' it is.', undefined],
      ['usage', 150, 37],
      ['done', 1, 'resp_BJhGBnQ9w3Zc9xCsWdmH0'],
    ]);
  });

  it('GA audio transcript deltas and function-call argument deltas', () => {
    expect(one(delta('response.output_audio_transcript.delta', '"spoken"'), true)).toEqual([
      ['delta', 5, 'text', 'spoken', undefined],
    ]);
    expect(one(delta('response.function_call_arguments.delta', '"{\\"q\\":"'), true)).toEqual([
      ['delta', 5, 'tool', '{"q":', undefined],
    ]);
  });

  it("passes the reference server's stamp of each delta", () => {
    const { calls } = decode(messages('realtime-stamped.jsonl'));
    expect(calls.filter((c) => c[0] === 'delta').map((c) => c[4])).toEqual([
      fromStamp('14433785427001'),
      fromStamp('14433786427113'),
      fromStamp('14433787426950'),
    ]);
    expect(calls.slice(-2)).toEqual([
      ['usage', 1, 3],
      ['done', 1, 'resp_868422c01a10405aa9bea9a69ce4ce3a'],
    ]);
  });

  it('an error event ends the turn, classified, and nothing after it counts', () => {
    const { calls, over } = decode(messages('realtime-error.jsonl'));
    expect(calls.slice(1)).toEqual([
      ['delta', 1, 'text', 'Partial', undefined],
      [
        'error',
        1,
        'rate_limited',
        'rate_limit_exceeded',
        expect.stringContaining('Rate limit reached') as unknown as string,
      ],
    ]);
    expect(over).toEqual([false, false, true, true]);
    const serverError =
      '{"type":"error","event_id":"e","error":{"type":"server_error","code":null,"message":"boom","param":null}}';
    expect(one(serverError, true)).toEqual([['error', 5, 'server_error', 'server_error', 'boom']]);
  });

  it('response.done failed is an error classified from status_details.error', () => {
    const { calls, over } = decode(messages('realtime-failed.jsonl'));
    expect(calls.slice(-2)).toEqual([
      ['delta', 1, 'text', 'Partial', undefined],
      ['error', 1, 'server_error', 'server_error', expect.stringContaining('had an error') as unknown as string],
    ]);
    expect(over.at(-1)).toBe(true);
    const limited = done(
      'failed',
      '{"type":"failed","error":{"type":"invalid_request_error","code":"rate_limit_exceeded","message":"slow down"}}',
    );
    expect(one(limited, true)).toEqual([['error', 5, 'rate_limited', 'rate_limit_exceeded', 'slow down']]);
    // No details at all: still a server-side failure.
    expect(one(done('failed', 'null'), true)).toEqual([['error', 5, 'server_error', undefined, undefined]]);
  });

  it('response.done cancelled is a done with the usage so far (an interrupt asked for it)', () => {
    const { calls } = decode(messages('realtime-cancelled.jsonl'));
    expect(calls).toEqual([
      ['ack', 1],
      ['delta', 1, 'text', 'Once upon', undefined],
      ['delta', 1, 'text', ' a time', undefined],
      ['usage', 20, 4],
      ['done', 1, 'resp_CHoC3bGh8JkL9zX0cV1bN'],
    ]);
  });

  it('incomplete: max_output_tokens completes, other reasons fail', () => {
    const usage = '{"input_tokens":5,"output_tokens":64}';
    expect(one(done('incomplete', '{"type":"incomplete","reason":"max_output_tokens"}', usage), true)).toEqual([
      ['usage', 5, 64],
      ['done', 5, 'resp_x'],
    ]);
    expect(one(done('incomplete', '{"type":"incomplete","reason":"content_filter"}', usage), true)).toEqual([
      ['error', 5, 'protocol', 'content_filter', 'response incomplete: content_filter'],
    ]);
  });

  it("ignores the error of a cancel that came too late (the previous response had ended): it is not this turn's", () => {
    const late =
      '{"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"response_cancel_not_active","message":"Cancellation failed: no active response found.","param":null}}';
    const { calls, over } = decode([late, ...messages('realtime-stamped.jsonl')]);
    expect(over[0]).toBe(false);
    expect(calls.filter((c) => c[0] === 'error')).toEqual([]);
    expect(calls.at(-1)?.[0]).toBe('done');
  });

  it('malformed JSON is a protocol error that ends the turn', () => {
    const { calls, over } = decode([
      delta('response.output_text.delta', '"ok"'),
      '{"type":"response.output_text.delta","delta":"tr',
    ]);
    expect(over).toEqual([false, true]);
    expect(calls[1]).toEqual([
      'error',
      1,
      'protocol',
      'malformed_event',
      expect.stringContaining('malformed') as unknown as string,
    ]);
  });
});

describe('openai-realtime: fast path ≡ JSON.parse path', () => {
  it.each(FIXTURES)('%s: whole turn, and every message alone', (name) => {
    const msgs = messages(name);
    expect(decode(msgs, true)).toEqual(decode(msgs, false));
    for (const m of msgs) expect(one(m, true)).toEqual(one(m, false));
  });

  it('delta events take the fast path (no JSON.parse unless the string has escapes)', () => {
    const parse = vi.spyOn(JSON, 'parse');
    for (const name of FIXTURES) {
      for (const m of messages(name).filter((m) =>
        /^\{"type":"response\.(output_text|text|audio_transcript)\.delta"/.test(m.toString()),
      )) {
        one(m, true);
      }
    }
    // Only the delta strings with escapes in them are parsed, never a whole event.
    expect(parse).toHaveBeenCalled();
    expect(parse.mock.calls.every(([s]) => s.startsWith('"'))).toBe(true);
    parse.mockClear();
    expect(one(`${delta('response.text.delta', '"x"').slice(0, -1)},"wb_t":"123"}`, true)).toEqual([
      ['delta', 5, 'text', 'x', fromStamp('123')],
    ]);
    expect(parse).not.toHaveBeenCalled();
  });

  const types = fc.constantFrom(
    'response.output_text.delta',
    'response.text.delta',
    'response.output_audio_transcript.delta',
    'response.audio_transcript.delta',
    'response.function_call_arguments.delta',
    'response.output_audio.delta',
    'response.created',
    'error',
  );

  it('agrees on generated events (any key order, extra values) and on truncated or corrupted ones', () => {
    fc.assert(
      fc.property(
        types,
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.jsonValue()),
        fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (type, deltaValue, extra, at, cut, byte) => {
          const entries = Object.entries(extra).filter(
            ([k]) => k !== 'type' && k !== 'delta' && k !== 'wb_t' && k !== '__proto__',
          );
          entries.splice(at % (entries.length + 1), 0, ['type', type], ['delta', deltaValue]);
          const payload = Buffer.from(
            `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
          );
          expect(one(payload, true)).toEqual(one(payload, false));
          const truncated = payload.subarray(0, cut % (payload.length + 1));
          expect(one(truncated, true)).toEqual(one(truncated, false));
          const corrupted = Buffer.from(payload);
          corrupted[cut % payload.length] = byte;
          expect(one(corrupted, true)).toEqual(one(corrupted, false));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('openai-realtime encoding', () => {
  const req: RequestInput = {
    model: 'gpt-realtime',
    prompt: 'Say "hi"',
    maxOutputTokens: 64,
    extra: { temperature: 0.7 },
  };

  it('WebSocket only: /v1/realtime with the model in the query, no beta header', () => {
    expect('http' in openaiRealtime).toBe(false);
    expect(openaiRealtime.ws.path).toBe('/v1/realtime');
    expect(openaiRealtime.ws.headers).toEqual({});
    expect(openaiRealtime.ws.query(req)).toEqual({ model: 'gpt-realtime' });
  });

  it('each turn is a GA response.create with the prompt as its own input', () => {
    const msg = JSON.parse(openaiRealtime.ws.encode(req)) as Record<string, unknown>;
    expect(msg).toEqual({
      type: 'response.create',
      response: {
        output_modalities: ['text'],
        input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Say "hi"' }] }],
        max_output_tokens: 64,
        temperature: 0.7,
      },
    });
  });

  it('the session is ready on session.created, and only then', () => {
    expect(openaiRealtime.ws.ready(Buffer.from('{"type":"session.created","event_id":"e","session":{}}'))).toBe(true);
    expect(openaiRealtime.ws.ready(Buffer.from('{"type":"error","error":{"code":"invalid_model"}}'))).toBe(false);
    expect(openaiRealtime.ws.ready(Buffer.from('not json'))).toBe(false);
  });

  it('an interrupt cancels with response.cancel', () => {
    expect(JSON.parse(cancelMessage())).toEqual({ type: 'response.cancel' });
  });
});
