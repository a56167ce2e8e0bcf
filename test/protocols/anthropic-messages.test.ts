import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { fromStamp } from '../../src/core/clock.js';
import { anthropicMessages, MessagesEvents } from '../../src/protocols/anthropic-messages.js';
import { type Call, fixture, payloads, RecordingSink, splitAt } from './helpers.js';

const FIXTURES = ['anthropic-text.sse', 'anthropic-thinking-tool.sse', 'anthropic-error.sse', 'anthropic-no-stop.sse'];

function viaSse(chunks: readonly Buffer[], fastPath = true): Call[] {
  const sink = new RecordingSink();
  const dec = anthropicMessages.http.decoder(sink, fastPath);
  chunks.forEach((c, i) => dec.push(c, i + 1));
  dec.end(99);
  return sink.calls;
}

function one(payload: string | Buffer, fastPath: boolean): Call[] {
  const sink = new RecordingSink();
  const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
  new MessagesEvents(sink, fastPath).event(buf, 0, buf.length, 5);
  return sink.calls;
}

const blockDelta = (delta: string, tail = ''): string =>
  `{"type":"content_block_delta","index":0,"delta":${delta}${tail}}`;
const textDelta = (body: string, tail = ''): string => blockDelta(`{"type":"text_delta","text":${body}}`, tail);
const sse = (...data: string[]): Buffer => Buffer.from(data.map((d) => `event: x\ndata: ${d}\n\n`).join(''));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('anthropic-messages decoding', () => {
  it('message_start is the ack; text deltas unescaped; ping ignored; usage then done with the message id', () => {
    const calls = viaSse([fixture('anthropic-text.sse')]);
    expect(calls[0]).toEqual(['ack', 1]);
    expect(calls.filter((c) => c[0] === 'delta').map((c) => [c[2], c[3]])).toEqual([
      ['text', 'Hello'],
      ['text', ', "world"!\n'],
      ['text', 'Café crème 😀'],
      ['text', ' C:\\path\\to 日本語'],
      ['text', ''],
      ['text', ' spaced'],
    ]);
    expect(calls.slice(-2)).toEqual([
      ['usage', 25, 15],
      ['done', 1, 'msg_01XFDUDYJgAACzvnptvVoYEL'],
    ]);
  });

  it('thinking deltas are reasoning, input_json deltas are tool arguments; signatures are not output', () => {
    const calls = viaSse([fixture('anthropic-thinking-tool.sse')]);
    expect(calls.filter((c) => c[0] === 'delta').map((c) => [c[2], c[3]])).toEqual([
      ['reasoning', 'The user asks about the weather'],
      ['reasoning', ' in "San Francisco".\n'],
      ['text', 'Let me check.'],
      ['tool', ''],
      ['tool', '{"location": "San Fra'],
      ['tool', 'ncisco, CA"}'],
    ]);
    expect(calls.slice(-2)).toEqual([
      ['usage', 472, 89],
      ['done', 1, 'msg_01Aq9w938a90dw8q'],
    ]);
  });

  it('an error event is classified and ends the stream (overloaded → server_error, rate limit → rate_limited)', () => {
    const calls = viaSse([fixture('anthropic-error.sse')]);
    expect(calls).toEqual([
      ['ack', 1],
      ['delta', 1, 'text', 'Hel', undefined],
      ['error', 1, 'server_error', 'overloaded_error', 'Overloaded'],
    ]);
    const error = (type: string) => `{"type":"error","error":{"type":"${type}","message":"m"}}`;
    expect(one(error('rate_limit_error'), true)).toEqual([['error', 5, 'rate_limited', 'rate_limit_error', 'm']]);
    expect(one(error('api_error'), true)).toEqual([['error', 5, 'server_error', 'api_error', 'm']]);
    expect(one(error('invalid_request_error'), true)).toEqual([
      ['error', 5, 'http_status', 'invalid_request_error', 'm'],
    ]);
    expect(one(error('authentication_error'), true)).toEqual([
      ['error', 5, 'http_status', 'authentication_error', 'm'],
    ]);
    expect(one('{"type":"error"}', true)).toEqual([['error', 5, 'protocol', undefined, undefined]]);
    expect(viaSse([sse(error('api_error'), textDelta('"late"'))])).toHaveLength(1);
  });

  it('a stream without message_stop is a protocol error, after the stamped deltas it carried', () => {
    const calls = viaSse([fixture('anthropic-no-stop.sse')]);
    expect(calls.filter((c) => c[0] === 'delta')).toEqual([
      ['delta', 1, 'text', ' the', fromStamp('812345681370368')],
      ['delta', 1, 'text', ' é', fromStamp('812345682604935')],
    ]);
    expect(calls.at(-1)).toEqual(['error', 99, 'protocol', 'stream_ended', 'stream ended before message_stop']);
    expect(calls.some((c) => c[0] === 'usage' || c[0] === 'done')).toBe(false);
  });

  it('usage is reported only when a message_delta counted the output; nothing after message_stop', () => {
    const start = '{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":4,"output_tokens":1}}}';
    expect(viaSse([sse(start, '{"type":"message_stop"}', textDelta('"late"'))])).toEqual([
      ['ack', 1],
      ['done', 1, 'msg_1'],
    ]);
    const later = '{"type":"message_delta","usage":{"output_tokens":3}}';
    expect(
      viaSse([
        sse(start, later, '{"type":"message_delta","usage":{"output_tokens":7}}', '{"type":"message_stop"}'),
      ]).slice(-2),
    ).toEqual([
      ['usage', 4, 7],
      ['done', 1, 'msg_1'],
    ]);
  });

  it('malformed JSON is a protocol error', () => {
    expect(viaSse([sse('{"type":"content_block_delta",')]).at(-1)).toEqual([
      'error',
      1,
      'protocol',
      'malformed_event',
      expect.stringContaining('malformed') as unknown as string,
    ]);
  });
});

describe('anthropic-messages: fast path ≡ JSON.parse path', () => {
  it.each(FIXTURES)('%s: whole stream in chunks, and every event alone', (name) => {
    const stream = fixture(name);
    const cuts = Array.from({ length: Math.floor(stream.length / 97) }, (_, i) => (i + 1) * 97);
    const chunks = splitAt(stream, cuts);
    expect(viaSse(chunks, true)).toEqual(viaSse(chunks, false));
    for (const p of payloads(stream)) expect(one(p, true)).toEqual(one(p, false));
  });

  it('text, thinking and tool-input deltas take the fast path', () => {
    const parse = vi.spyOn(JSON, 'parse');
    expect(one(textDelta('" plain"', ',"wb_t":"42"'), true)).toEqual([['delta', 5, 'text', ' plain', fromStamp('42')]]);
    expect(one(blockDelta('{"type":"thinking_delta","thinking":"hm"}'), true)).toEqual([
      ['delta', 5, 'reasoning', 'hm', undefined],
    ]);
    expect(one(blockDelta('{"type":"input_json_delta","partial_json":"{\\"a"}'), true)).toEqual([
      ['delta', 5, 'tool', '{"a', undefined],
    ]);
    // Only the escaped string itself is handed to JSON.parse, never the event.
    expect(parse.mock.calls.map((c) => c[0])).toEqual(['"{\\"a"']);
  });

  it.each([
    textDelta('""'),
    textDelta('null'),
    textDelta('7'),
    textDelta('"a\\u00e9\\"b"'),
    textDelta('"x"', ',"wb_t":5'),
    blockDelta('{"type":"signature_delta","signature":"sig"}'),
    blockDelta('{"type":"thinking_delta","text":"wrong field"}'),
    blockDelta('{"type":"text_delta","thinking":"wrong field"}'),
    blockDelta('[{"type":"text_delta","text":"delta is an array"}]'),
    blockDelta('"a string"'),
    blockDelta('{"type":"text\\u005fdelta","text":"escaped type"}'),
    blockDelta('{"type":"text_delta","text":"first"},"delta":{"type":"thinking_delta","thinking":"last wins"}'),
    '{"type":"content_block_delta","index":0}',
    '{"type":"content_block_start","delta":{"type":"text_delta","text":"not a delta event"}}',
    '{"type":"ping"}',
    '{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":3}}',
    '{"type":"message_stop"}',
    '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
    '{"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}',
  ])('agrees on %s', (payload) => {
    expect(one(payload, true)).toEqual(one(payload, false));
  });

  it('agrees on generated delta events and corrupted bytes', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constant(null), fc.integer());
    const delta = fc.oneof(
      fc.record(
        {
          type: fc.constantFrom('text_delta', 'thinking_delta', 'input_json_delta', 'signature_delta', 'other'),
          text,
          thinking: text,
          partial_json: text,
        },
        { requiredKeys: ['type'] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('content_block_delta', 'content_block_start', 'message_delta'),
        delta,
        fc.option(fc.string({ unit: 'binary', maxLength: 8 }), { nil: undefined }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (type, d, stamp, at, byte) => {
          const ev: Record<string, unknown> = { type, index: 0, delta: d };
          if (stamp !== undefined) ev.wb_t = stamp;
          const payload = Buffer.from(JSON.stringify(ev));
          expect(one(payload, true)).toEqual(one(payload, false));
          payload[at % payload.length] = byte;
          expect(one(payload, true)).toEqual(one(payload, false));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('anthropic-messages encoding', () => {
  it('POST /v1/messages, the version header, a streaming single-message body with extra fields', () => {
    expect(anthropicMessages.http.path).toBe('/v1/messages');
    expect(anthropicMessages.http.headers).toEqual({
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'anthropic-version': '2023-06-01',
    });
    expect('sessions' in anthropicMessages).toBe(false);
    const body = anthropicMessages.http.encode({
      model: 'claude-x',
      prompt: 'Say "hi"',
      maxOutputTokens: 64,
      extra: { temperature: 0 },
      previousResponseId: 'ignored',
      tool: 'required',
      store: true,
    });
    expect(JSON.parse(body)).toEqual({
      model: 'claude-x',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Say "hi"' }],
      stream: true,
      temperature: 0,
    });
  });

  it('a conversation: the system prompt apart (top-level system), the other turns as messages', () => {
    const body = anthropicMessages.http.encode({
      model: 'claude-x',
      prompt: 'unused',
      maxOutputTokens: 64,
      extra: {},
      items: [
        { kind: 'system', text: 'Be brief.' },
        { kind: 'user', text: 'One?' },
        { kind: 'assistant', text: 'Yes.' },
        { kind: 'user', text: 'Two?' },
      ],
    });
    expect(JSON.parse(body)).toEqual({
      model: 'claude-x',
      max_tokens: 64,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'One?' },
        { role: 'assistant', content: 'Yes.' },
        { role: 'user', content: 'Two?' },
      ],
      stream: true,
    });
  });
});
