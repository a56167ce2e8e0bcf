import { request } from 'node:http';

import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { now } from '../../src/core/clock.js';
import type { RequestInput } from '../../src/core/types.js';
import { presetAdapter } from '../../src/protocols/generic-presets.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { decodeFrom } from './decode.js';
import { post } from './helpers.js';

interface Line {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed server JSON; the tests check its shape
  data: any;
  raw: string;
  t: bigint;
}

/** POSTs `body` and collects the NDJSON lines with the arrival time of the chunk that completed each. */
function postLines(
  baseUrl: string,
  path: string,
  body: unknown,
): Promise<{ status: number; contentType: string | undefined; lines: Line[]; start: bigint; body: string }> {
  return new Promise((resolve, reject) => {
    const lines: Line[] = [];
    let text = '';
    let partial = '';
    const req = request(
      new URL(path, baseUrl),
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const t = process.hrtime.bigint();
          text += chunk;
          const parts = (partial + chunk).split('\n');
          partial = parts.pop()!;
          for (const raw of parts) lines.push({ data: JSON.parse(raw), raw, t });
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], lines, start, body: text }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const start = process.hrtime.bigint();
    req.end(JSON.stringify(body));
  });
}

const input = (fields: Partial<RequestInput> = {}): RequestInput => ({
  model: 'llama3.2',
  prompt: 'Why is the sky blue?',
  maxOutputTokens: 100,
  extra: {},
  ...fields,
});

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ ttftMs: 2, tps: 20_000, outputTokens: 6 });
});
afterAll(() => server.close());

describe('Ollama twin (NDJSON)', () => {
  it('/api/generate: one done:false line per delta, then done:true with eval_count and prompt_eval_count', async () => {
    const r = await postLines(server.url, '/api/generate', {
      model: 'llama3.2',
      prompt: 'Why is the sky blue?',
      system: 'Be brief.',
    });
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/x-ndjson');
    expect(r.body.endsWith('}\n')).toBe(true);
    const deltas = r.lines.slice(0, -1).map((l) => l.data);
    expect(deltas).toHaveLength(6);
    for (const d of deltas) {
      expect(d).toEqual({
        model: 'llama3.2',
        created_at: expect.any(String),
        response: expect.any(String),
        done: false,
      });
      expect(Object.keys(d)).toEqual(['model', 'created_at', 'response', 'done']);
    }
    expect(r.lines.at(-1)!.data).toEqual({
      model: 'llama3.2',
      created_at: expect.any(String),
      response: '',
      done: true,
      done_reason: 'stop',
      prompt_eval_count: countTokens('Be brief.') + countTokens('Why is the sky blue?'),
      eval_count: 6,
    });
  });

  it('/api/chat: the text in message.content; options.num_predict caps the output (done_reason length)', async () => {
    const r = await postLines(server.url, '/api/chat', {
      model: 'qwen3',
      messages: [{ role: 'user', content: 'Hi there' }],
      options: { num_predict: 3 },
    });
    const lines = r.lines.map((l) => l.data);
    expect(lines).toHaveLength(4);
    for (const l of lines.slice(0, 3)) expect(l.message).toEqual({ role: 'assistant', content: expect.any(String) });
    expect(lines[3]).toMatchObject({
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'length',
      prompt_eval_count: countTokens('Hi there'),
      eval_count: 3,
    });
    expect(countTokens(lines.map((l) => l.message.content).join(''))).toBe(3);
  });

  it('answers stream:false with the one done:true object carrying the whole text', async () => {
    const r = await post(server.url, '/api/generate', {
      model: 'm',
      prompt: 'x',
      stream: false,
      options: { num_predict: 4 },
    });
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({ model: 'm', done: true, done_reason: 'length', eval_count: 4 });
    expect(countTokens(body.response)).toBe(4);
  });

  it.each([
    ['/api/generate', { prompt: 'x' }, 'model is required'],
    ['/api/chat', { model: 'm', options: { num_predict: 'many' } }, 'option "num_predict" must be of type integer'],
  ])("%s rejects %j in Ollama's error shape", async (path, body, error) => {
    const r = await post(server.url, path, body);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({ error });
  });
});

describe('TGI twin (SSE)', () => {
  it('one event per delta; the last also carries generated_text and details', async () => {
    const r = await post(server.url, '/generate_stream', {
      inputs: 'Deep learning is',
      parameters: { max_new_tokens: 4, details: true },
    });
    expect(r.headers['content-type']).toBe('text/event-stream');
    const ev = r.events.map((e) => e.data);
    expect(ev).toHaveLength(4);
    ev.forEach((e, i) => {
      expect(e.index).toBe(i + 1);
      expect(e.token).toEqual({ id: i + 1, text: expect.any(String), logprob: 0, special: false });
    });
    for (const e of ev.slice(0, -1)) expect([e.generated_text, e.details]).toEqual([null, null]);
    expect(ev[3].generated_text).toBe(ev.map((e) => e.token.text).join(''));
    expect(ev[3].details).toEqual({ finish_reason: 'length', generated_tokens: 4, seed: null });
  });

  it('without details the last event has details null; an empty output ends with a special token', async () => {
    const r = await post(server.url, '/generate_stream', { inputs: 'x' });
    expect(r.events.at(-1)!.data.details).toBeNull();
    const empty = await startServer({ outputTokens: 0 });
    try {
      const e = await post(empty.url, '/generate_stream', { inputs: 'x', parameters: { details: true } });
      expect(e.events.map((x) => x.data)).toEqual([
        {
          index: 1,
          token: { id: 1, text: '', logprob: 0, special: true },
          generated_text: '',
          details: { finish_reason: 'eos_token', generated_tokens: 0, seed: null },
        },
      ]);
    } finally {
      await empty.close();
    }
  });

  it("rejects empty inputs with 422 in TGI's error shape", async () => {
    const r = await post(server.url, '/generate_stream', { inputs: '' });
    expect(r.status).toBe(422);
    expect(JSON.parse(r.body)).toEqual({
      error: 'Input validation error: `inputs` cannot be empty',
      error_type: 'validation',
    });
  });
});

describe('generic presets against the twins', () => {
  it.each(['ollama-generate', 'ollama-chat', 'tgi-generate-stream'] as const)(
    '%s: ack, every delta, usage matching the text, done',
    async (kind) => {
      const { status, sink } = await decodeFrom(server.url, presetAdapter(kind).http, input({ maxOutputTokens: 5 }));
      expect(status).toBe(200);
      expect(sink.calls.map((c) => c[0])).toEqual([
        'ack',
        ...Array<string>(kind === 'tgi-generate-stream' ? 5 : 6).fill('delta'),
        'usage',
        'done',
      ]);
      const usage = sink.calls.at(-2)!;
      expect(usage).toEqual([
        'usage',
        kind === 'tgi-generate-stream' ? undefined : countTokens('Why is the sky blue?'),
        5,
      ]);
      expect(countTokens(sink.deltas().join(''))).toBe(5);
    },
  );

  it('the decoder passes the wb_t stamp of each line with its delta', async () => {
    const stamped = await startServer({ ttftMs: 1, tps: 20_000, outputTokens: 3, stamp: true });
    try {
      const r = await postLines(stamped.url, '/api/generate', { model: 'm', prompt: 'x' });
      for (const l of r.lines) expect(l.raw).toMatch(/,"wb_t":"\d+"}$/);
      const { sink } = await decodeFrom(stamped.url, presetAdapter('ollama-generate').http, input());
      const stamps = sink.calls.filter((c) => c[0] === 'delta').map((c) => c[4]);
      expect(stamps).toHaveLength(4);
      // Write times on the harness clock: after its epoch, before the deltas were read.
      for (const s of stamps) expect(s).toSatisfy((w: number) => w > 0 && w < now());
    } finally {
      await stamped.close();
    }
  });
});
