import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { fromStamp } from '../../src/core/clock.js';
import type { RequestInput } from '../../src/core/types.js';
import { classifyError } from '../../src/protocols/errors.js';
import { openaiResponses, ResponsesEvents } from '../../src/protocols/openai-responses.js';
import { type Call, fixture, payloads, RecordingSink, RESPONSES_FIXTURES, splitAt } from './helpers.js';

function viaSse(chunks: readonly Buffer[], fastPath = true, t = 1): Call[] {
  const sink = new RecordingSink();
  const dec = openaiResponses.http.decoder(sink, fastPath);
  for (const c of chunks) dec.push(c, t);
  dec.end(t);
  return sink.calls;
}

function viaWs(messages: readonly Buffer[], t = 1): { calls: Call[]; over: boolean[] } {
  const sink = new RecordingSink();
  const dec = openaiResponses.ws.decoder(sink);
  const over = messages.map((m) => dec.message(m, t));
  return { calls: sink.calls, over };
}

function one(payload: string | Buffer, fastPath: boolean): Call[] {
  const sink = new RecordingSink();
  const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
  new ResponsesEvents(sink, fastPath).event(buf, 0, buf.length, 5);
  return sink.calls;
}

const delta = (body: string): string =>
  `{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":${body},"logprobs":[]}`;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('openai-responses decoding', () => {
  it('decodes a text stream: ack, every delta unescaped, usage, done', () => {
    const calls = viaSse([fixture('responses-text.sse')]);
    expect(calls[0]).toEqual(['ack', 1]);
    expect(calls.filter((c) => c[0] === 'delta').map((c) => c[3])).toEqual([
      'Hi',
      ' "there"',
      '!\n',
      'Café',
      ' crème',
      ' 😀',
      ' 🚀',
      ' C:\\path\\to',
      '\t/',
      '/x',
      '',
      ' 日本語',
      ' done.',
    ]);
    expect(calls.slice(-2)).toEqual([
      ['usage', 37, 13],
      ['done', 1, 'resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654'],
    ]);
  });

  it('maps reasoning and function-call argument deltas to their channels', () => {
    const calls = viaSse([fixture('responses-reasoning-tool.sse')]);
    const deltas = calls.filter((c) => c[0] === 'delta').map((c) => [c[2], c[3]]);
    expect(deltas.filter(([ch]) => ch === 'reasoning').map(([, s]) => s)).toEqual([
      '**Checking',
      ' the weather**\n\n',
      'The user wants "Paris".',
      'Need',
      ' a tool: get_weather(location).',
    ]);
    const args = deltas.filter(([ch]) => ch === 'tool').map(([, s]) => s);
    expect(JSON.parse(args.join(''))).toEqual({ location: 'Paris, France', unit: 'c°' });
    expect(calls.slice(-2)).toEqual([
      ['usage', 75, 146],
      ['done', 1, 'resp_6890ed2a9f6c819aa1c5b2d3e4f5a6b70f0c1d2e3f4a5b6c'],
    ]);
  });

  it('passes the reference server stamp of each delta', () => {
    const calls = viaSse([fixture('responses-stamped.sse')]);
    const stamps = calls.filter((c) => c[0] === 'delta').map((c) => c[4]);
    expect(stamps).toHaveLength(4);
    expect(stamps.every((s) => Number.isFinite(s))).toBe(true);
    expect(calls.at(-1)).toEqual(['done', 1, 'resp_wb000000000000000000000000000000000000000000000001']);
  });

  it('reports error events and response.failed, classified, and nothing after them', () => {
    const err = viaSse([fixture('responses-error.sse')]);
    expect(err.at(-1)).toEqual([
      'error',
      1,
      'rate_limited',
      'rate_limit_exceeded',
      expect.stringContaining('Rate limit reached') as unknown as string,
    ]);
    expect(err.filter((c) => c[0] === 'error')).toHaveLength(1);
    const failed = viaSse([fixture('responses-failed.sse')]);
    expect(failed.slice(-2)).toEqual([
      ['delta', 1, 'text', 'Partial', undefined],
      ['error', 1, 'server_error', 'server_error', expect.stringContaining('invalid content') as unknown as string],
    ]);
  });

  it('end() without response.completed is a protocol error', () => {
    const stream = fixture('responses-text.sse');
    const cut = stream.indexOf('event: response.completed');
    expect(viaSse([stream.subarray(0, cut)]).at(-1)).toEqual([
      'error',
      1,
      'protocol',
      'stream_ended',
      'stream ended before response.completed',
    ]);
    expect(viaSse([stream]).filter((c) => c[0] === 'error')).toEqual([]);
  });

  it('response.incomplete: max_output_tokens completes, other reasons fail', () => {
    const incomplete = (reason: string): string =>
      `{"type":"response.incomplete","sequence_number":9,"response":{"id":"resp_x","status":"incomplete","incomplete_details":{"reason":"${reason}"},"usage":{"input_tokens":5,"output_tokens":64}}}`;
    expect(one(incomplete('max_output_tokens'), true)).toEqual([
      ['usage', 5, 64],
      ['done', 5, 'resp_x'],
    ]);
    expect(one(incomplete('content_filter'), true)).toEqual([
      ['error', 5, 'protocol', 'content_filter', 'response incomplete: content_filter'],
    ]);
  });

  it('malformed JSON is a protocol error that ends the turn', () => {
    const { calls, over } = viaWs([
      Buffer.from(delta('"ok"')),
      Buffer.from('{"type":"response.output_text.delta","delta":"tr'),
    ]);
    expect(over).toEqual([false, true]);
    expect(calls[1]).toEqual([
      'error',
      1,
      'protocol',
      'malformed_event',
      expect.stringContaining('malformed') as unknown as string,
    ]);
    expect(one('[1,2]', true)[0].slice(2, 4)).toEqual(['protocol', 'malformed_event']);
  });

  it('ignores events it does not know, and a delta event without a delta string', () => {
    expect(one('{"type":"response.output_text.annotation.added","annotation":{}}', true)).toEqual([]);
    expect(one('{"type":"response.output_text.delta","delta":null}', true)).toEqual([]);
    expect(one('{"no_type":1}', true)).toEqual([]);
  });
});

describe('openai-responses: SSE and WebSocket agree', () => {
  it.each(RESPONSES_FIXTURES)('%s', (name) => {
    const stream = fixture(name);
    const { calls, over } = viaWs(payloads(stream));
    const sse = viaSse([stream]);
    // The SSE decoder's end() adds nothing after a terminal event, so both see the same calls.
    expect(calls).toEqual(sse);
    expect(over.at(-1)).toBe(true);
    expect(over.slice(0, -1).every((o) => !o)).toBe(true);
  });

  it('the WS error shape is classified with its code and message', () => {
    const msg = Buffer.from(
      '{"type":"error","status":400,"error":{"type":"invalid_request_error","code":"previous_response_not_found","message":"Previous response with id \'resp_abc\' not found.","param":"previous_response_id"}}',
    );
    expect(viaWs([msg])).toEqual({
      calls: [
        ['error', 1, 'http_status', 'previous_response_not_found', "Previous response with id 'resp_abc' not found."],
      ],
      over: [true],
    });
  });
});

describe('openai-responses: fast path ≡ JSON.parse path', () => {
  it.each(RESPONSES_FIXTURES)('%s: whole stream, and every event alone', (name) => {
    const stream = fixture(name);
    const cuts = Array.from({ length: Math.floor(stream.length / 97) }, (_, i) => (i + 1) * 97);
    expect(viaSse(splitAt(stream, cuts), true)).toEqual(viaSse([stream], false));
    for (const p of payloads(stream)) expect(one(p, true)).toEqual(one(p, false));
  });

  it('agrees on every event of the fixtures truncated or with a byte corrupted, done events included', () => {
    const events = RESPONSES_FIXTURES.flatMap((name) => payloads(fixture(name)));
    fc.assert(
      fc.property(fc.nat(events.length - 1), fc.nat(), fc.integer({ min: 0, max: 255 }), (k, at, byte) => {
        const p = Buffer.from(events[k]);
        const truncated = p.subarray(0, at % (p.length + 1));
        expect(one(truncated, true)).toEqual(one(truncated, false));
        const corrupted = Buffer.from(p);
        corrupted[at % p.length] = byte;
        expect(one(corrupted, true)).toEqual(one(corrupted, false));
      }),
      { seed: 13, numRuns: 5000 },
    );
  });

  it('events that repeat the answer are validated, not parsed', () => {
    const parse = vi.spyOn(JSON, 'parse');
    for (const p of payloads(fixture('responses-text.sse')).filter((p) => p.includes('.done"'))) {
      expect(one(p, true)).toEqual([]);
    }
    expect(parse).not.toHaveBeenCalled();
    expect(one('{"type":"response.output_text.done","text":"a"', true)[0]?.[0]).toBe('error');
  });

  it('delta events take the fast path (no JSON.parse unless the string has escapes)', () => {
    const parse = vi.spyOn(JSON, 'parse');
    expect(one(delta('" plain"'), true)).toEqual([['delta', 5, 'text', ' plain', undefined]]);
    expect(one(`${delta('"x"').slice(0, -1)},"wb_t":"123456789"}`, true)).toEqual([
      ['delta', 5, 'text', 'x', fromStamp('123456789')],
    ]);
    expect(parse).not.toHaveBeenCalled();
    expect(one(delta('"a\\"b"'), true)).toEqual([['delta', 5, 'text', 'a"b', undefined]]);
    expect(parse).toHaveBeenCalledWith('"a\\"b"');
  });

  it.each([
    '{"type":"response.created","type":"response.output_text.delta","delta":"last type wins"}',
    '{"type":"response.output_text.delta","delta":"first","delta":"last delta wins"}',
    '{"\\u0074ype":"response.output_text.delta","delta":"escaped key"}',
    '{"type":"response.output_text.delta","item":{"delta":"nested"},"delta":"top"}',
    ' \r\n\t{ "type" : "response.output_text.delta" , "delta" : "spaced" , "n" : -1.5e+3 } \n',
    '{"type":"response.output_text.delta","delta":"x","n":01}',
    '{"type":"response.output_text.delta","delta":"x",}',
    '{"type":"response.output_text.delta","delta":"raw\ttab"}',
    '{"type":"response.output_text.delta","delta":"bad \\x escape"}',
    '{"type":"response.output_text.delta","delta":"x"} trailing',
    `{"type":"response.output_text.delta","deep":${'['.repeat(100)}${']'.repeat(100)},"delta":"deep"}`,
    '{"type":"response.output_text.delta","delta":"\\ud83d\\ude00 pair, lone \\ud800"}',
  ])('agrees on %s', (payload) => {
    expect(one(payload, true)).toEqual(one(payload, false));
  });

  it('agrees on invalid UTF-8 in the delta (replacement characters, as a whole-payload decode gives)', () => {
    for (const bad of [[0xe2, 0x82], [0x80], [0xf0, 0x9f, 0x98], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff]]) {
      for (const [pre, post] of [
        ['"', '"'],
        ['"x', 'y"'],
        ['"\\u00e9', '"'],
      ]) {
        const payload = Buffer.concat([
          Buffer.from(`{"type":"response.output_text.delta","delta":${pre}`),
          Buffer.from(bad),
          Buffer.from(`${post}}`),
        ]);
        expect(one(payload, true)).toEqual(one(payload, false));
      }
    }
  });

  const unit = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 4 }),
    fc.string({ unit: 'binary-ascii', maxLength: 4 }),
    fc.constantFrom(
      '"',
      '\\',
      '\n',
      '\r',
      '\t',
      '\u0000',
      '\u001f',
      '\u007f',
      '\u2028',
      '\ud800',
      '\udfff',
      '😀',
      'é',
      '/',
    ),
  );
  const escapeAll = (s: string): string =>
    `"${Array.from({ length: s.length }, (_, i) => `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"`;

  it('agrees on generated delta strings (unicode, quotes, backslashes, control chars)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit, maxLength: 30 }),
        fc.boolean(),
        fc.option(fc.bigInt({ min: 0n, max: 1n << 62n })),
        (s, escaped, stamp) => {
          const body = escaped ? escapeAll(s) : JSON.stringify(s);
          const payload = stamp === null ? delta(body) : `${delta(body).slice(0, -1)},"wb_t":"${stamp}"}`;
          const fast = one(payload, true);
          expect(fast).toEqual(one(payload, false));
          expect(fast).toEqual([['delta', 5, 'text', s, stamp === null ? undefined : fromStamp(String(stamp))]]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees on generated objects (any key order, extra values) and on truncated or corrupted payloads', () => {
    const types = fc.constantFrom(
      'response.output_text.delta',
      'response.reasoning_text.delta',
      'response.reasoning_summary_text.delta',
      'response.function_call_arguments.delta',
      'response.created',
      'response.output_text.done',
    );
    fc.assert(
      fc.property(
        types,
        fc.oneof(fc.string({ unit }), fc.jsonValue()),
        fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (type, deltaValue, extra, at, cut, byte) => {
          const entries = Object.entries(extra).filter(
            ([k]) => k !== 'type' && k !== 'delta' && k !== 'wb_t' && k !== '__proto__',
          );
          entries.splice(at % (entries.length + 1), 0, ['type', type], ['delta', deltaValue]);
          const text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}`;
          const payload = Buffer.from(text);
          expect(one(payload, true)).toEqual(one(payload, false));
          const truncated = payload.subarray(0, cut % (payload.length + 1));
          expect(one(truncated, true)).toEqual(one(truncated, false));
          const corrupted = Buffer.from(payload);
          corrupted[cut % payload.length] = byte;
          expect(one(corrupted, true)).toEqual(one(corrupted, false));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('error classification', () => {
  it.each([
    ['rate_limit_exceeded', undefined, 429, 'rate_limited'],
    [undefined, 'rate_limit_error', undefined, 'rate_limited'],
    [undefined, 'RateLimitError', 400, 'rate_limited'],
    ['server_error', undefined, undefined, 'server_error'],
    [undefined, 'InternalServerError', undefined, 'server_error'],
    [undefined, undefined, 500, 'server_error'],
    [undefined, undefined, 503, 'server_error'],
    // A refused request is http_status on every transport, as its HTTP 4xx would be.
    ['websocket_connection_limit_reached', 'invalid_request_error', 400, 'http_status'],
    ['previous_response_not_found', 'invalid_request_error', 400, 'http_status'],
    ['invalid_api_key', 'invalid_request_error', undefined, 'http_status'],
    [undefined, 'authentication_error', undefined, 'http_status'],
    [undefined, undefined, 401, 'http_status'],
    ['context_length_exceeded', undefined, undefined, 'protocol'],
    [undefined, undefined, undefined, 'protocol'],
  ] as const)('code %s, type %s, status %s → %s', (code, type, status, cls) => {
    expect(classifyError(code, type, status)).toBe(cls);
  });

  it('uses the fallback when nothing matches (response.failed defaults to server_error)', () => {
    expect(classifyError('invalid_prompt', undefined, undefined, 'server_error')).toBe('server_error');
    const failed = (code: string): string =>
      `{"type":"response.failed","response":{"id":"r","status":"failed","error":{"code":"${code}","message":"m"}}}`;
    expect(one(failed('rate_limit_exceeded'), true)).toEqual([
      ['error', 5, 'rate_limited', 'rate_limit_exceeded', 'm'],
    ]);
    expect(one(failed('vector_store_timeout'), true)).toEqual([
      ['error', 5, 'server_error', 'vector_store_timeout', 'm'],
    ]);
  });
});

describe('openai-responses encoding', () => {
  const req: RequestInput = {
    model: 'gpt-x',
    prompt: 'Say "hi"',
    maxOutputTokens: 64,
    extra: { store: false, temperature: 0 },
  };

  it('HTTP: POST /v1/responses, streaming body with extra fields and previous_response_id', () => {
    expect(openaiResponses.http.path).toBe('/v1/responses');
    expect(openaiResponses.http.headers).toEqual({ 'content-type': 'application/json', accept: 'text/event-stream' });
    expect(JSON.parse(openaiResponses.http.encode(req))).toEqual({
      model: 'gpt-x',
      input: 'Say "hi"',
      max_output_tokens: 64,
      stream: true,
      store: false,
      temperature: 0,
    });
    expect(JSON.parse(openaiResponses.http.encode({ ...req, previousResponseId: 'resp_1' })).previous_response_id).toBe(
      'resp_1',
    );
  });

  it('WS: response.create without stream', () => {
    expect(openaiResponses.ws.path).toBe('/v1/responses');
    const body = JSON.parse(
      openaiResponses.ws.encode({ ...req, extra: { generate: false }, previousResponseId: 'resp_2' }),
    ) as Record<string, unknown>;
    expect(body).toEqual({
      type: 'response.create',
      model: 'gpt-x',
      input: 'Say "hi"',
      max_output_tokens: 64,
      generate: false,
      previous_response_id: 'resp_2',
    });
    expect(Object.keys(body)[0]).toBe('type');
  });
});
