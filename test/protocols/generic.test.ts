import { describe, expect, it } from 'vitest';

import { fromStamp } from '../../src/core/clock.js';
import type { RequestInput } from '../../src/core/types.js';
import { genericAdapter, type GenericConfig, GenericConfigError } from '../../src/protocols/generic.js';
import { presetAdapter, PRESETS } from '../../src/protocols/generic-presets.js';
import { type Call, fixture, RecordingSink, splitAt } from './helpers.js';

function decode(adapter: ReturnType<typeof genericAdapter>, chunks: readonly Buffer[]): Call[] {
  const sink = new RecordingSink();
  const dec = adapter.http.decoder(sink);
  chunks.forEach((c, i) => dec.push(c, i + 1));
  dec.end(99);
  return sink.calls;
}

const ollamaGenerate = presetAdapter('ollama-generate');
const ollamaChat = presetAdapter('ollama-chat');
const tgi = presetAdapter('tgi-generate-stream');
const req: RequestInput = { model: 'llama3.2', prompt: 'Why is the sky "blue"?', maxOutputTokens: 64, extra: {} };

const ndjson = (...lines: string[]): Buffer => Buffer.from(lines.map((l) => `${l}\n`).join(''));
const custom = (select: GenericConfig['select'], response: GenericConfig['response'] = 'ndjson') =>
  genericAdapter({ path: '/gen', body: { q: '{{prompt}}' }, response, select });

describe('generic presets decoding', () => {
  it('ollama-generate: the first line is the ack, /response the deltas, the done line carries the counts', () => {
    const calls = decode(ollamaGenerate, [fixture('ollama-generate.ndjson')]);
    expect(calls).toEqual([
      ['ack', 1],
      ['delta', 1, 'text', 'The', undefined],
      ['delta', 1, 'text', ' sky', undefined],
      ['delta', 1, 'text', ' is "blue"\n', undefined],
      ['delta', 1, 'text', 'Café 😀 日本語', undefined],
      ['delta', 1, 'text', ' C:\\tmp!', undefined],
      ['delta', 1, 'text', '', undefined],
      ['usage', 26, 5],
      ['done', 1, undefined],
    ]);
  });

  it('ollama-chat: /message/content; a blank line is skipped; nothing after done', () => {
    const stream = Buffer.concat([
      fixture('ollama-chat.ndjson'),
      ndjson('{"message":{"content":"late"},"done":false}'),
    ]);
    const calls = decode(ollamaChat, [stream]);
    expect(calls.filter((c) => c[0] === 'delta').map((c) => c[3])).toEqual(['Hello', ',', ' world', '']);
    expect(calls.slice(-2)).toEqual([
      ['usage', 11, 3],
      ['done', 1, undefined],
    ]);
  });

  it('ollama: an {"error": "…"} line is an error and ends the stream (CRLF lines, no final newline)', () => {
    expect(decode(ollamaGenerate, [fixture('ollama-error.ndjson')])).toEqual([
      ['ack', 1],
      ['delta', 1, 'text', 'Hi', undefined],
      ['error', 1, 'protocol', undefined, 'an error was encountered while running the model: unexpected EOF'],
    ]);
  });

  it('tgi-generate-stream: /token/text deltas; the event with generated_text ends it, with details.generated_tokens', () => {
    const calls = decode(tgi, [fixture('tgi-stream.sse')]);
    expect(calls.filter((c) => c[0] === 'delta').map((c) => c[3])).toEqual([
      ' Deep',
      ' learning',
      ' is',
      ' "a"',
      ' subset',
    ]);
    expect(calls[0]).toEqual(['ack', 1]);
    expect(calls.slice(-2)).toEqual([
      ['usage', undefined, 5],
      ['done', 1, undefined],
    ]);
  });

  it("tgi: error events carry error_type; overloaded is the server's failure", () => {
    expect(decode(tgi, [fixture('tgi-error.sse')]).at(-1)).toEqual([
      'error',
      1,
      'protocol',
      'generation',
      'Request failed during generation: Server error: Out of available cache blocks',
    ]);
    const overloaded = Buffer.from('data:{"error":"Model is overloaded","error_type":"overloaded"}\n\n');
    expect(decode(tgi, [overloaded])).toEqual([['error', 1, 'server_error', 'overloaded', 'Model is overloaded']]);
    const openaiStyle = ndjson('{"error":{"code":"rate_limit_exceeded","message":"slow down"}}');
    expect(decode(ollamaGenerate, [openaiStyle])).toEqual([
      ['error', 1, 'rate_limited', 'rate_limit_exceeded', 'slow down'],
    ]);
  });

  it.each([
    ['ollama-generate.ndjson', ollamaGenerate],
    ['ollama-chat.ndjson', ollamaChat],
    ['ollama-error.ndjson', ollamaGenerate],
    ['tgi-stream.sse', tgi],
  ] as const)('%s: the same calls at every split point (arrival times aside)', (name, adapter) => {
    const stream = fixture(name);
    const strip = (calls: Call[]) => calls.map((c) => c.filter((x) => typeof x !== 'number' || c[0] === 'usage'));
    const whole = strip(decode(adapter, [stream]));
    for (let i = 0; i <= stream.length; i++) expect(strip(decode(adapter, splitAt(stream, [i])))).toEqual(whole);
  });
});

describe('generic decoding rules', () => {
  it('passes the wb_t stamp of an event with its delta', () => {
    const calls = decode(ollamaGenerate, [
      ndjson('{"response":"a","done":false,"wb_t":"123"}', '{"response":"","done":true,"eval_count":1,"wb_t":"124"}'),
    ]);
    expect(calls.filter((c) => c[0] === 'delta')).toEqual([
      ['delta', 1, 'text', 'a', fromStamp('123')],
      ['delta', 1, 'text', '', fromStamp('124')],
    ]);
  });

  it('a done marker that never came is a cut stream; a marker that does not match does not end it', () => {
    expect(
      decode(ollamaGenerate, [ndjson('{"response":"a","done":false}', '{"response":"b","done":"yes"}')]).at(-1),
    ).toEqual(['error', 99, 'protocol', 'stream_ended', 'stream ended before the done marker (/done)']);
  });

  it('without a done marker the end of the body is the end of the response', () => {
    const adapter = custom({ delta: '/t', usage_output: '/n' });
    expect(decode(adapter, [ndjson('{"t":"a"}', '{"t":"b","n":2}')])).toEqual([
      ['ack', 1],
      ['delta', 1, 'text', 'a', undefined],
      ['delta', 1, 'text', 'b', undefined],
      ['usage', undefined, 2],
      ['done', 99, undefined],
    ]);
  });

  it('SSE: data [DONE] ends the response too; usage from the last event that had it', () => {
    const adapter = custom(
      { delta: '/choices/0/text', done: { pointer: '/finished', equals: 'yes' }, usage_output: '/n' },
      'sse',
    );
    const sse = Buffer.from(
      'data: {"choices":[{"text":"x"}],"n":1}\n\ndata: {"choices":[],"n":4}\n\ndata: [DONE]\n\ndata: {"choices":[{"text":"late"}]}\n\n',
    );
    expect(decode(adapter, [sse])).toEqual([
      ['ack', 1],
      ['delta', 1, 'text', 'x', undefined],
      ['usage', undefined, 4],
      ['done', 1, undefined],
    ]);
  });

  it('a line that is not a JSON object is a protocol error', () => {
    expect(decode(ollamaGenerate, [ndjson('{"response":"a"', '{"response":"b"}')])).toEqual([
      ['error', 1, 'protocol', 'malformed_event', 'malformed event: {"response":"a"'],
    ]);
    expect(decode(ollamaGenerate, [ndjson('[1,2]')])[0].slice(2, 4)).toEqual(['protocol', 'malformed_event']);
  });

  it('non-string deltas are not text; equals compares the value exactly', () => {
    const adapter = custom({ delta: '/t', done: { pointer: '/d', equals: 0 } });
    expect(decode(adapter, [ndjson('{"t":5,"d":false}', '{"t":null,"d":"0"}', '{"t":"z","d":0}')])).toEqual([
      ['ack', 1],
      ['delta', 1, 'text', 'z', undefined],
      ['done', 1, undefined],
    ]);
  });
});

describe('generic encoding', () => {
  it('fills the body template: the prompt and model as text, "{{max_tokens}}" as a number, extra fields last', () => {
    expect(ollamaGenerate.http.path).toBe('/api/generate');
    expect(ollamaGenerate.http.headers).toEqual({ 'content-type': 'application/json', accept: 'application/x-ndjson' });
    expect(JSON.parse(ollamaGenerate.http.encode({ ...req, extra: { keep_alive: '5m', stream: true } }))).toEqual({
      model: 'llama3.2',
      prompt: 'Why is the sky "blue"?',
      stream: true,
      options: { num_predict: 64 },
      keep_alive: '5m',
    });
    expect(JSON.parse(ollamaChat.http.encode(req)).messages).toEqual([
      { role: 'user', content: 'Why is the sky "blue"?' },
    ]);
    expect(JSON.parse(tgi.http.encode(req))).toEqual({
      inputs: 'Why is the sky "blue"?',
      parameters: { max_new_tokens: 64, details: true },
    });
    expect(tgi.http.headers.accept).toBe('text/event-stream');
  });

  it('substitutes inside longer strings, and leaves the template untouched', () => {
    const cfg: GenericConfig = {
      path: '/x',
      headers: { authorization: 'Bearer t' },
      body: { text: '[INST] {{ prompt }} [/INST]', cap: 'max {{max_tokens}}', list: ['{{model}}', 1, null, true] },
      response: 'ndjson',
      select: { delta: '/t' },
    };
    const adapter = genericAdapter(cfg);
    expect(adapter.kind).toBe('generic');
    expect(adapter.http.headers.authorization).toBe('Bearer t');
    expect(JSON.parse(adapter.http.encode(req))).toEqual({
      text: '[INST] Why is the sky "blue"? [/INST]',
      cap: 'max 64',
      list: ['llama3.2', 1, null, true],
    });
    expect(cfg.body.text).toBe('[INST] {{ prompt }} [/INST]');
  });

  it('a conversation: "{{messages}}" is the [{role, content}] list, {{prompt}} its texts joined by blank lines', () => {
    const convo = {
      ...req,
      items: [
        { kind: 'system' as const, text: 'Be brief.' },
        { kind: 'user' as const, text: 'One?' },
        { kind: 'assistant' as const, text: 'Yes.' },
        { kind: 'user' as const, text: 'Two?' },
      ],
    };
    expect(JSON.parse(ollamaChat.http.encode(convo)).messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'One?' },
      { role: 'assistant', content: 'Yes.' },
      { role: 'user', content: 'Two?' },
    ]);
    expect(JSON.parse(ollamaGenerate.http.encode(convo)).prompt).toBe('Be brief.\n\nOne?\n\nYes.\n\nTwo?');
  });

  it('has a WebSocket mode when configured: a templated message, one event per message, over at done', () => {
    const adapter = genericAdapter({
      ...PRESETS['ollama-chat'],
      ws: { path: '/ws', message: { op: 'generate', prompt: '{{prompt}}' } },
    });
    expect(adapter.ws?.path).toBe('/ws');
    expect(JSON.parse(adapter.ws!.encode(req))).toEqual({ op: 'generate', prompt: 'Why is the sky "blue"?' });
    const sink = new RecordingSink();
    const dec = adapter.ws!.decoder(sink);
    expect(dec.message(Buffer.from('{"message":{"content":"a"},"done":false}'), 1)).toBe(false);
    expect(dec.message(Buffer.from('{"message":{"content":""},"done":true,"eval_count":1}'), 2)).toBe(true);
    expect(sink.calls.at(-1)).toEqual(['done', 2, undefined]);
    expect(presetAdapter('ollama-chat').ws).toBeUndefined();
  });

  it.each<[string, Partial<GenericConfig>, RegExp]>([
    ['a relative path', { path: 'api/generate' }, /path must start with/],
    ['another method', { method: 'GET' as 'POST' }, /method must be POST/],
    ['an unknown response format', { response: 'xml' as 'sse' }, /response must be sse or ndjson/],
    ['a malformed delta pointer', { select: { delta: 'response' } }, /select\.delta: invalid JSON pointer/],
    ['a malformed usage pointer', { select: { delta: '/r', usage_output: '/a~2' } }, /select\.usage_output/],
    ['an unknown placeholder', { body: { p: '{{promt}}' } }, /body\.p: unknown placeholder \{\{promt\}\}/],
    [
      '{{messages}} inside a longer string',
      { body: { p: 'say {{messages}}' } },
      /body\.p: \{\{messages\}\} stands for a list/,
    ],
    [
      'a WebSocket mode without done marker',
      { select: { delta: '/r' }, ws: { path: '/ws', message: {} } },
      /ws needs select\.done/,
    ],
  ])('rejects %s', (_what, change, message) => {
    const cfg: GenericConfig = { ...PRESETS['ollama-generate'], ...change };
    expect(() => genericAdapter(cfg)).toThrow(GenericConfigError);
    expect(() => genericAdapter(cfg)).toThrow(message);
  });
});
