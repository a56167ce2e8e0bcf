import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { RequestLine } from '../../src/result/requests/line.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { assertBuilt, runScenarioText } from '../cli/helpers.js';

/**
 * What the prompts of a run do to an endpoint that caches prefixes: the reference server with its prefix
 * cache, prefill at 20k tokens/s, 8k-token prompts — 410 ms of prefill, all of it or none.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-prefix-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TTFT = 40;
const PREFILL_MS = (8192 / 20_000) * 1000;

let server: RunningServer;
beforeEach(async () => {
  server = await startServer({
    ttftMs: TTFT,
    prefillTps: 20_000,
    prefixCache: true,
    tps: 5000,
    outputTokens: 4,
    stamp: true,
  });
});
afterEach(() => server.close());

function scenario(name: string, request: string): string {
  return `name: ${name}
target: ${server.url}
request: { prompt_tokens: 8192, max_output_tokens: 4, ${request} }
variants:
  - { name: http, protocol: openai-responses, connection: http-keepalive }
  - { name: ws, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 1, requests: 4 }
`;
}

const ttft = (l: RequestLine): number => l.phases.firstDelta;

describe('prompts against a prefix cache', () => {
  it('unique prompts (the default) pay the whole prefill on every request, and the server caches nothing', async () => {
    const { lines } = await runScenarioText<RequestLine>(dir, 'unique', scenario('unique', ''));
    expect(lines).toHaveLength(8);
    for (const l of lines) {
      expect(l.prompt_tokens).toBe(8192);
      expect(l.input_tokens).toBe(8192);
      expect(l.cached_tokens).toBe(0);
      // Upload and the server's tokenizing add a few ms; a cache hit would take 410 ms off.
      expect(ttft(l)).toBeGreaterThanOrEqual(TTFT + PREFILL_MS);
      expect(ttft(l)).toBeLessThan(TTFT + PREFILL_MS + 100);
    }
    expect(server.stats()).toMatchObject({ cachedInputTokens: 0, uncachedInputTokens: 8 * 8192 });
  });

  it('identical prompts (shared_prefix_tokens: all) are ~400 ms faster from each variant’s second request on', async () => {
    const { lines, result } = await runScenarioText<RequestLine>(
      dir,
      'identical',
      scenario('identical', 'shared_prefix_tokens: all'),
    );
    expect(result.workload).toMatchObject({ source: 'synthesized', prompts: 'identical' });
    for (const variant of ['http', 'ws']) {
      const [first, ...rest] = lines.filter((l) => l.variant === variant);
      // Each variant's prompts are its own: its first request is a miss even after the other variant ran.
      expect(first.cached_tokens).toBe(0);
      expect(ttft(first)).toBeGreaterThanOrEqual(TTFT + PREFILL_MS);
      for (const l of rest) {
        expect(l.cached_tokens).toBe(8192);
        expect(ttft(first) - ttft(l)).toBeGreaterThan(PREFILL_MS - 60);
      }
    }
    expect(server.stats()).toMatchObject({ cachedInputTokens: 6 * 8192, uncachedInputTokens: 2 * 8192 });
  });

  it('a shared prefix of 1024 tokens is cached, the unique rest is not', async () => {
    const { lines } = await runScenarioText<RequestLine>(
      dir,
      'prefix',
      scenario('prefix', 'shared_prefix_tokens: 1024'),
    );
    const cached = lines.map((l) => l.cached_tokens);
    // Each variant's first request fills the cache with its prefix; the rest find exactly those two blocks.
    expect(cached.filter((c) => c === 0)).toHaveLength(2);
    expect(cached.filter((c) => c === 1024)).toHaveLength(6);
    expect(server.stats()).toMatchObject({ cachedInputTokens: 6 * 1024, uncachedInputTokens: 8 * 8192 - 6 * 1024 });
  });

  it('every protocol reports what its endpoint served from the cache, and the whole input beside it', async () => {
    const yaml = `name: protocols
target: ${server.url}
request: { prompt_tokens: 1024, max_output_tokens: 4, shared_prefix_tokens: all }
variants:
  - { name: responses, protocol: openai-responses, connection: http-keepalive }
  - { name: chat, protocol: openai-chat, connection: http-keepalive }
  - { name: anthropic, protocol: anthropic-messages, connection: http-keepalive }
  - { name: realtime, protocol: openai-realtime, connection: ws-persistent }
load: { kind: closed, concurrency: 1, requests: 2 }
`;
    const { lines } = await runScenarioText<RequestLine>(dir, 'protocols', yaml);
    for (const variant of ['responses', 'chat', 'anthropic', 'realtime']) {
      const [first, second] = lines.filter((l) => l.variant === variant);
      // Anthropic reports the uncached rest as input_tokens: the client adds the cache read back.
      expect([first.input_tokens, first.cached_tokens, second.input_tokens, second.cached_tokens], variant).toEqual([
        1024, 0, 1024, 1024,
      ]);
    }
  });
});
