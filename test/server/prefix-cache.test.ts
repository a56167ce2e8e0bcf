import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';

import { type RunningServer, type StartOptions, startServer } from '../../src/server/index.js';
import { synthesizePrompt } from '../../src/workload/prompt.js';
import { getStats, ms, post, type Received, WsClient } from './helpers.js';

async function withServer(opts: StartOptions, body: (s: RunningServer) => Promise<void>): Promise<void> {
  const s = await startServer({ ttftMs: 2, tps: 20_000, outputTokens: 2, ...opts });
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

/** A prompt of exactly `tokens` o200k tokens; each seed gives other text. */
const text = (tokens: number, seed: number): string => synthesizePrompt(tokens, seed);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- usage objects of four protocols, read loosely
type Usage = Record<string, any>;

/** A streamed chat completion of these message texts: its TTFT (ms) and usage. */
async function chat(url: string, ...contents: string[]): Promise<{ ttft: number; usage: Usage }> {
  const messages = contents.map((content, i) => ({
    role: i === 0 && contents.length > 1 ? 'system' : 'user',
    content,
  }));
  const r = await post(url, '/v1/chat/completions', {
    model: 'm',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  expect(r.status).toBe(200);
  const chunks = r.events.filter((e) => e.data !== '[DONE]');
  const first = chunks.find((e) => e.data.choices[0]?.delta.content);
  return { ttft: ms(r.start, first!.t), usage: chunks.at(-1)!.data.usage };
}

const cached = (usage: Usage): number => usage.prompt_tokens_details.cached_tokens;

describe('prefix cache timing (real sockets)', { retry: 2 }, () => {
  const ttftMs = 20;
  const prefill = (8192 / 20_000) * 1000;

  it('serves a resent 8192-token prompt from 16 cached blocks: ~410 ms less TTFT, usage and /stats agree', async () => {
    await withServer({ prefixCache: true, prefillTps: 20_000, ttftMs }, async (s) => {
      await chat(s.url, 'Warm up.');
      const prompt = text(8192, 11);
      const first = await chat(s.url, prompt);
      const second = await chat(s.url, prompt);
      expect(first.usage).toMatchObject({ prompt_tokens: 8192, prompt_tokens_details: { cached_tokens: 0 } });
      expect(second.usage).toMatchObject({ prompt_tokens: 8192, prompt_tokens_details: { cached_tokens: 8192 } });
      // Never early; the saving is the whole prefill (a missing block would cost 26 ms, no cache 410).
      expect(first.ttft).toBeGreaterThanOrEqual(ttftMs + prefill - 2);
      expect(second.ttft).toBeGreaterThanOrEqual(ttftMs - 2);
      expect(first.ttft - second.ttft).toBeGreaterThan(prefill - 40);
      expect(first.ttft - second.ttft).toBeLessThan(prefill + 40);
      const stats = await getStats(s.url);
      expect(stats).toMatchObject({ cachedInputTokens: 8192, uncachedInputTokens: 8192 + countTokens('Warm up.') });
    });
  });

  it('with the cache off, prefills every request in full and reports nothing cached', async () => {
    await withServer({ prefillTps: 20_000, ttftMs }, async (s) => {
      await chat(s.url, 'Warm up.');
      const prompt = text(8192, 12);
      const first = await chat(s.url, prompt);
      const second = await chat(s.url, prompt);
      for (const r of [first, second]) {
        expect(cached(r.usage)).toBe(0);
        expect(r.ttft).toBeGreaterThanOrEqual(ttftMs + prefill - 2);
      }
      expect(Math.abs(first.ttft - second.ttft)).toBeLessThan(prefill / 2);
      expect(await getStats(s.url)).toMatchObject({
        cachedInputTokens: 0,
        uncachedInputTokens: 2 * 8192 + countTokens('Warm up.'),
      });
    });
  });
});

describe('prefix cache blocks', () => {
  it('caches the shared leading full blocks only, and a block only after the same prefix', async () => {
    await withServer({ prefixCache: true }, async (s) => {
      const shared = text(1024, 21);
      expect(cached((await chat(s.url, shared, text(1024, 22))).usage)).toBe(0);
      // The system text comes first in the prompt, so its two blocks are the shared prefix.
      expect(cached((await chat(s.url, shared, text(1024, 23))).usage)).toBe(1024);
      // A cached second half, now first: a block's key chains its prefix, so it matches nothing.
      expect(cached((await chat(s.url, text(1024, 22))).usage)).toBe(0);
      // Responses puts instructions first, as chat puts the system message: the cache is the server's.
      const r = await post(s.url, '/v1/responses', { model: 'm', instructions: shared, input: 'Go on.' });
      expect(JSON.parse(r.body).usage).toMatchObject({
        input_tokens: 1024 + countTokens('Go on.'),
        input_tokens_details: { cached_tokens: 1024 },
      });
    });
  });

  it('never caches a partial block: 1000 tokens keep 512 cached, 500 none', async () => {
    await withServer({ prefixCache: true }, async (s) => {
      const thousand = text(1000, 31);
      expect(cached((await chat(s.url, thousand)).usage)).toBe(0);
      expect(cached((await chat(s.url, thousand)).usage)).toBe(512);
      const short = text(500, 32);
      await chat(s.url, short);
      expect(cached((await chat(s.url, short)).usage)).toBe(0);
      expect(await getStats(s.url)).toMatchObject({
        cachedInputTokens: 512,
        uncachedInputTokens: 1000 + 488 + 500 + 500,
      });
    });
  });

  it('holds at most prefixCacheBlocks blocks, evicting the tails of old prompts first', async () => {
    const a = text(1024, 41);
    const b = text(1024, 42);
    await withServer({ prefixCache: true, prefixCacheBlocks: 2 }, async (s) => {
      await chat(s.url, a);
      await chat(s.url, b);
      expect(cached((await chat(s.url, a)).usage)).toBe(0);
    });
    await withServer({ prefixCache: true, prefixCacheBlocks: 3 }, async (s) => {
      await chat(s.url, a);
      await chat(s.url, b);
      // a's second block went first; its first block, a prefix, is still there.
      expect(cached((await chat(s.url, a)).usage)).toBe(512);
    });
    await withServer({ prefixCache: true, prefixCacheBlocks: 4 }, async (s) => {
      await chat(s.url, a);
      await chat(s.url, b);
      expect(cached((await chat(s.url, a)).usage)).toBe(1024);
    });
  });

  it('rejects a capacity out of bounds', async () => {
    await expect(startServer({ prefixCacheBlocks: 0 })).rejects.toThrow(/prefixCacheBlocks/);
    await expect(startServer({ prefixCacheBlocks: 2 ** 21 })).rejects.toThrow(/prefixCacheBlocks/);
  });

  it('reads special-token text as plain text instead of failing', async () => {
    await withServer({ prefixCache: true }, async (s) => {
      const r = await chat(s.url, 'Quote <|endoftext|> literally.');
      expect(r.usage.prompt_tokens).toBe(
        countTokens('Quote <|endoftext|> literally.', { disallowedSpecial: new Set() }),
      );
    });
    await withServer({}, async (s) => {
      expect((await chat(s.url, 'Quote <|endoftext|> literally.')).usage.prompt_tokens).toBeGreaterThan(0);
    });
  });
});

/** Each protocol's usage, for a prompt sent twice: nothing cached the first time, all 1024 the second. */
describe('cached tokens in each protocol usage', () => {
  const twice = async (send: () => Promise<Usage>): Promise<Usage[]> => [await send(), await send()];

  it('Responses over HTTP (streamed and not) and WebSocket: input_tokens_details.cached_tokens', async () => {
    await withServer({ prefixCache: true }, async (s) => {
      const streamed = text(1024, 51);
      const usages = await twice(
        async () =>
          (await post(s.url, '/v1/responses', { model: 'm', input: streamed, stream: true })).events.at(-1)!.data
            .response.usage,
      );
      expect(usages.map((u) => [u.input_tokens, u.input_tokens_details.cached_tokens])).toEqual([
        [1024, 0],
        [1024, 1024],
      ]);
      const plain = text(1024, 52);
      const bodies = await twice(
        async () => JSON.parse((await post(s.url, '/v1/responses', { model: 'm', input: plain })).body).usage,
      );
      expect(bodies.map((u) => u.input_tokens_details.cached_tokens)).toEqual([0, 1024]);
      const c = await WsClient.open(s.url);
      try {
        const ws = text(1024, 53);
        const turns = await twice(async () => {
          c.send({ type: 'response.create', model: 'm', input: ws, store: false });
          return (await c.turn()).at(-1)!.data.response.usage;
        });
        expect(turns.map((u) => u.input_tokens_details.cached_tokens)).toEqual([0, 1024]);
      } finally {
        c.close();
      }
    });
  });

  it('Responses chained: the earlier context is cached, the new input is not; a warm-up warms the cache', async () => {
    await withServer({ prefixCache: true }, async (s) => {
      const c = await WsClient.open(s.url);
      try {
        const prompt = text(1024, 54);
        c.send({ type: 'response.create', model: 'm', input: prompt, store: false, generate: false });
        expect((await c.turn()).at(-1)!.data.response.usage).toMatchObject({ input_tokens: 0 });
        c.send({ type: 'response.create', model: 'm', input: prompt, store: false });
        const first = (await c.turn()).at(-1)!.data.response;
        expect(first.usage).toMatchObject({ input_tokens: 1024, input_tokens_details: { cached_tokens: 1024 } });
        c.send({ type: 'response.create', model: 'm', input: 'More.', store: false, previous_response_id: first.id });
        const chained = (await c.turn()).at(-1)!.data.response.usage;
        const context = first.usage.total_tokens;
        expect(chained).toMatchObject({
          input_tokens: context + countTokens('More.'),
          input_tokens_details: { cached_tokens: context },
        });
        // The warm-up's prompt counts as uncached, the second request's as cached, and so does the context.
        expect(await getStats(s.url)).toMatchObject({
          cachedInputTokens: 1024 + context,
          uncachedInputTokens: 1024 + countTokens('More.'),
        });
      } finally {
        c.close();
      }
    });
  });

  it('Chat Completions, not streamed: prompt_tokens_details.cached_tokens', async () => {
    await withServer({ prefixCache: true }, async (s) => {
      const messages = [{ role: 'user', content: text(1024, 61) }];
      const usages = await twice(
        async () => JSON.parse((await post(s.url, '/v1/chat/completions', { model: 'm', messages })).body).usage,
      );
      expect(usages.map((u) => u.prompt_tokens_details)).toEqual([{ cached_tokens: 0 }, { cached_tokens: 1024 }]);
    });
  });

  it('Anthropic Messages: cache_read_input_tokens, input_tokens only the uncached part', async () => {
    await withServer({ prefixCache: true }, async (s) => {
      const body = { model: 'm', max_tokens: 4, system: text(1024, 71), messages: [{ role: 'user', content: 'Hi.' }] };
      const hi = countTokens('Hi.');
      const streamed = await twice(
        async () => (await post(s.url, '/v1/messages', { ...body, stream: true })).events[0].data.message.usage,
      );
      expect(streamed).toEqual([
        { input_tokens: 1024 + hi, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
        { input_tokens: hi, cache_creation_input_tokens: 0, cache_read_input_tokens: 1024, output_tokens: 0 },
      ]);
      const plain = JSON.parse((await post(s.url, '/v1/messages', body)).body).usage;
      expect(plain).toEqual({
        input_tokens: hi,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 1024,
        output_tokens: 2,
      });
    });
  });

  it('Realtime: input_token_details.cached_tokens', async () => {
    await withServer({ prefixCache: true }, async (s) => {
      const c = await WsClient.open(s.url, { path: '/v1/realtime?model=m' });
      try {
        await c.next();
        const input = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: text(1024, 81) }] }];
        const usages = await twice(async () => {
          c.send({ type: 'response.create', response: { input } });
          let r: Received;
          do r = await c.next();
          while (r.data.type !== 'response.done');
          return r.data.response.usage;
        });
        expect(usages.map((u) => u.input_token_details)).toEqual([
          {
            cached_tokens: 0,
            text_tokens: 1024,
            audio_tokens: 0,
            cached_tokens_details: { text_tokens: 0, audio_tokens: 0 },
          },
          {
            cached_tokens: 1024,
            text_tokens: 1024,
            audio_tokens: 0,
            cached_tokens_details: { text_tokens: 1024, audio_tokens: 0 },
          },
        ]);
      } finally {
        c.close();
      }
    });
  });
});
