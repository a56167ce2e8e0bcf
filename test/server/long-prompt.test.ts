import { monitorEventLoopDelay } from 'node:perf_hooks';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type RunningServer, startServer } from '../../src/server/index.js';
import { countText } from '../../src/shared/tokens.js';
import { base64Blob } from '../shared/blob.js';
import { post, type Received, WsClient } from './helpers.js';

/**
 * A megabyte of one word — random base64, a blob pasted into a prompt — costs the tokenizer ~700 ms even
 * in pieces: `serve` tokenizes it on its tokenizer thread, so neither the request's own answer nor any
 * other stream waits on its loop. Client and server share this test's loop, so its delay bounds both.
 */
const MEGA = base64Blob(3, 750_000);
const WS = { headers: { 'openai-beta': 'responses_websockets=2026-02-06' } };

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ ttftMs: 5, tps: 1000, outputTokens: 200, prefixCache: true });
  // The tokenizer thread's start (loading o200k, ~200 ms on its own thread) is not what is measured.
  await post(server.url, '/v1/chat/completions', {
    model: 'm',
    messages: [{ role: 'user', content: 'w '.repeat(5000) }],
  });
});
afterAll(() => server.close());

/** Runs `work` while a 1000 tok/s stream is under way; the loop's worst delay and the stream's largest gap. */
async function beside<T>(work: () => Promise<T>): Promise<{ out: T; stallMs: number; gapMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const stream = post(server.url, '/v1/responses', { model: 'm', input: 'hi', stream: true });
  const out = await work();
  const { events } = await stream;
  delay.disable();
  const t = events.filter((e) => e.data?.type === 'response.output_text.delta').map((e) => Number(e.t) / 1e6);
  expect(t.length).toBe(200);
  const gapMs = Math.max(...t.slice(1).map((x, i) => x - t[i]));
  return { out, stallMs: delay.max / 1e6, gapMs };
}

describe('a megabyte prompt of one word', () => {
  it('over HTTP: counted exactly, with no stall above 50 ms, the other stream unharmed', async () => {
    const { out, stallMs, gapMs } = await beside(() =>
      post(server.url, '/v1/chat/completions', {
        model: 'm',
        messages: [{ role: 'user', content: MEGA }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(out.status).toBe(200);
    const usage = out.events.find((e) => e.data?.usage)?.data.usage as { prompt_tokens: number };
    expect(usage.prompt_tokens).toBe(countText(MEGA));
    expect(stallMs).toBeLessThan(50);
    expect(gapMs).toBeLessThan(50);
  });

  it('over WebSocket: counted exactly, the event behind it handled after it, with no stall above 50 ms', async () => {
    const c = await WsClient.open(server.url, WS);
    try {
      const { out, stallMs, gapMs } = await beside(async () => {
        c.send({ type: 'response.create', model: 'm', input: `${MEGA}b` });
        c.send({ type: 'response.create', model: 'm', input: 'hi' });
        const events: Received[] = [];
        while (
          !events.some((e) => e.data.type === 'response.completed') ||
          !events.some((e) => e.data.type === 'error')
        )
          events.push(await c.next());
        return events;
      });
      // In order: the long one was created first, so the one behind it met a response still active
      // (OpenAI's rule); taken out of order, the short one would have run and the long one been refused.
      expect(out[0].data.type).toBe('response.created');
      expect(out.find((e) => e.data.type === 'error')!.data.error.code).toBe(
        'conversation_already_has_active_response',
      );
      const completed = out.find((e) => e.data.type === 'response.completed')!;
      expect(completed.data.response.usage.input_tokens).toBe(countText(`${MEGA}b`));
      expect(stallMs).toBeLessThan(50);
      expect(gapMs).toBeLessThan(50);
    } finally {
      c.close();
    }
  });
});
