import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { fromStamp } from '../../src/core/clock.js';
import { ChatChunks, openaiChat } from '../../src/protocols/openai-chat.js';
import { type Call, CHAT_FIXTURES, fixture, payloads, RecordingSink, splitAt } from './helpers.js';

function viaSse(chunks: readonly Buffer[], fastPath = true, end = true): Call[] {
  const sink = new RecordingSink();
  const dec = openaiChat.http.decoder(sink, fastPath);
  chunks.forEach((c, i) => dec.push(c, i + 1));
  if (end) dec.end(99);
  return sink.calls;
}

const ROLE =
  '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}';
const content = (body: string, tail = ''): string =>
  `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":${body}},"logprobs":null,"finish_reason":null}],"usage":null${tail}}`;

/** One chunk after the role chunk (the fast path is only for chunks after the first). */
function afterRole(payload: string | Buffer, fastPath: boolean): Call[] {
  const sink = new RecordingSink();
  const chunks = new ChatChunks(sink, fastPath);
  const role = Buffer.from(ROLE);
  chunks.event(role, 0, role.length, 1);
  const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
  chunks.event(buf, 0, buf.length, 2);
  return sink.calls.slice(1);
}

const sse = (...data: string[]): Buffer => Buffer.from(data.map((d) => `data: ${d}\n\n`).join(''));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('openai-chat decoding', () => {
  it('the role-only first chunk is the ack, not a token; content chunks are deltas; usage; [DONE]', () => {
    const stream = fixture('chat-text.sse');
    const events = payloads(stream);
    const calls = viaSse(events.map((e) => Buffer.from(`data: ${e.toString()}\n\n`)));
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
      ' 日本語',
      ' done.',
      ' spaced',
    ]);
    expect(calls[1]).toEqual(['delta', 2, 'text', 'Hi', undefined]);
    expect(calls.slice(-2)).toEqual([
      ['usage', 19, 14],
      ['done', events.length, 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT'],
    ]);
  });

  it('reasoning_content / reasoning (reported once) and tool-call arguments', () => {
    const calls = viaSse([fixture('chat-reasoning-tools.sse')]);
    const deltas = calls.filter((c) => c[0] === 'delta').map((c) => [c[2], c[3]]);
    expect(deltas).toEqual([
      ['reasoning', 'Okay'],
      ['reasoning', ', the user'],
      ['reasoning', ' asks about "Paris"\n'],
      ['reasoning', 'Both'],
      ['tool', '{"'],
      ['tool', 'location'],
      ['tool', '": "'],
      ['tool', 'Paris, France'],
      ['tool', '"}'],
    ]);
    expect(calls.slice(-2)).toEqual([
      ['usage', 42, 55],
      ['done', 1, 'chatcmpl-9f3c2a1b0e8d4c7f9a6b5c4d3e2f1a0b'],
    ]);
  });

  it('an error payload is a classified error and ends the stream', () => {
    const calls = viaSse([fixture('chat-error.sse')]);
    expect(calls).toEqual([
      ['ack', 1],
      ['delta', 1, 'text', 'Hel', undefined],
      [
        'error',
        1,
        'server_error',
        'server_error',
        'The server had an error while processing your request. Sorry about that!',
      ],
    ]);
    const vllm =
      '{"error": {"object": "error", "message": "max_tokens is too large", "type": "BadRequestError", "param": null, "code": 400}}';
    // A 400 in the body is the request refused, as an HTTP 400 status would say.
    expect(viaSse([sse(vllm)])).toEqual([['error', 1, 'http_status', '400', 'max_tokens is too large']]);
    const vllm500 =
      '{"error":{"object":"error","message":"boom","type":"InternalServerError","param":null,"code":500}}';
    expect(viaSse([sse(ROLE, vllm500)]).at(-1)).toEqual(['error', 1, 'server_error', '500', 'boom']);
    const limited = '{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}';
    expect(viaSse([sse(ROLE, limited)]).at(-1)).toEqual([
      'error',
      1,
      'rate_limited',
      'rate_limit_exceeded',
      'slow down',
    ]);
  });

  it('missing [DONE]: done if a finish_reason was seen, else a protocol error', () => {
    const calls = viaSse([fixture('chat-no-done.sse')]);
    expect(calls.at(-1)).toEqual(['done', 99, 'chatcmpl-wb2']);
    const deltas = calls.filter((c) => c[0] === 'delta');
    expect(deltas.map((c) => c[3])).toEqual(['Ab', 'cé']);
    expect(deltas.every((c) => Number.isFinite(c[4]))).toBe(true);
    expect(viaSse([sse(ROLE, content('"x"'))]).at(-1)).toEqual([
      'error',
      99,
      'protocol',
      'stream_ended',
      'stream ended before [DONE]',
    ]);
    expect(viaSse([sse(ROLE, content('"x"'), '[DONE]')]).at(-1)).toEqual(['done', 1, 'chatcmpl-1']);
  });

  it('a chunk with content in the first chunk is both ack and delta; nothing after [DONE]', () => {
    expect(viaSse([sse(content('"Hi"'), '[DONE]', content('"late"'))])).toEqual([
      ['ack', 1],
      ['delta', 1, 'text', 'Hi', undefined],
      ['done', 1, 'chatcmpl-1'],
    ]);
  });

  it('malformed JSON is a protocol error', () => {
    expect(viaSse([sse(ROLE, '{"choices":[')]).at(-1)).toEqual([
      'error',
      1,
      'protocol',
      'malformed_event',
      expect.stringContaining('malformed') as unknown as string,
    ]);
  });
});

describe('openai-chat: fast path ≡ JSON.parse path', () => {
  it.each(CHAT_FIXTURES)('%s: whole stream, and every chunk after a role chunk', (name) => {
    const stream = fixture(name);
    const cuts = Array.from({ length: Math.floor(stream.length / 89) }, (_, i) => (i + 1) * 89);
    const chunks = splitAt(stream, cuts);
    expect(viaSse(chunks, true)).toEqual(viaSse(chunks, false));
    for (const p of payloads(stream)) expect(afterRole(p, true)).toEqual(afterRole(p, false));
  });

  it('plain content chunks take the fast path', () => {
    const parse = vi.spyOn(JSON, 'parse');
    expect(afterRole(content('" plain"', ',"wb_t":"42"'), true)).toEqual([
      ['delta', 2, 'text', ' plain', fromStamp('42')],
    ]);
    expect(parse.mock.calls.map((c) => c[0])).toEqual([ROLE]);
  });

  it.each([
    content('""'),
    content('null'),
    content('"x"').replace('"usage":null', '"usage":{"prompt_tokens":1,"completion_tokens":2}'),
    content('"x"').replace('"finish_reason":null', '"finish_reason":"stop"'),
    content('"x","reasoning_content":"r","reasoning":"r2"'),
    content('"x","reasoning":"only"'),
    content('"x","tool_calls":[{"index":0,"function":{"arguments":"{}"}}]'),
    content('"x"').replace('[{', '[{"index":1,"delta":{"content":"other"}},{'),
    content('7'),
    content('"a\\u00e9\\"b"'),
    '{"id":"c","choices":{"index":0,"delta":{"content":"choices is an object"}}}',
    '{"id":"c","choices":[{"index":0,"delta":[{"content":"delta is an array"}]}]}',
    '{"id":"c","choices":["a string choice"]}',
    '{"id":"c","choices":[]}',
    '{"id":"c","choices":[{"delta":{"content":"first"}}],"choices":[{"delta":{"content":"last wins"}}]}',
    '{"id":"c","choices":[{"delta":{"content":"first"},"delta":{"reasoning":"last wins"}}]}',
    '{"id":"c","choices":[{"delta":{"content":"x"}}],"error":null}',
  ])('agrees on %s', (payload) => {
    expect(afterRole(payload, true)).toEqual(afterRole(payload, false));
  });

  it('agrees on generated chunk shapes (choice counts, delta kinds, usage, nesting)', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constant(''), fc.constant(null));
    const delta = fc.oneof(
      fc.record(
        { content: text, reasoning_content: text, reasoning: text, role: fc.constant('assistant') },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const choice = fc.oneof(
      fc.record(
        { index: fc.nat(3), delta, finish_reason: fc.constantFrom(null, 'stop', 'length') },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.array(choice, { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
        fc.option(fc.oneof(fc.constant(null), fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat() })), {
          nil: undefined,
        }),
        fc.option(fc.string({ unit: 'binary', maxLength: 8 }), { nil: undefined }),
        (choices, usage, stamp) => {
          const chunk: Record<string, unknown> = { id: 'chatcmpl-x', object: 'chat.completion.chunk', choices };
          if (usage !== undefined) chunk.usage = usage;
          if (stamp !== undefined) chunk.wb_t = stamp;
          const payload = JSON.stringify(chunk);
          expect(afterRole(payload, true)).toEqual(afterRole(payload, false));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees on generated content strings and corrupted chunks', () => {
    const unit = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 4 }),
      fc.constantFrom('"', '\\', '\n', '\u0000', '\ud800', '😀', 'é'),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (s, at, byte) => {
        const payload = Buffer.from(content(JSON.stringify(s)));
        const fast = afterRole(payload, true);
        expect(fast).toEqual(afterRole(payload, false));
        expect(fast).toEqual(s === '' ? [] : [['delta', 2, 'text', s, undefined]]);
        payload[at % payload.length] = byte;
        expect(afterRole(payload, true)).toEqual(afterRole(payload, false));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('openai-chat encoding', () => {
  it('POST /v1/chat/completions with usage requested', () => {
    expect(openaiChat.http.path).toBe('/v1/chat/completions');
    expect(openaiChat.http.headers.accept).toBe('text/event-stream');
    const body = openaiChat.http.encode({
      model: 'm',
      prompt: 'hi',
      maxOutputTokens: 32,
      extra: { temperature: 0 },
      previousResponseId: 'ignored',
    });
    expect(JSON.parse(body)).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 32,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0,
    });
  });
});
