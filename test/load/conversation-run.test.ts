import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { RequestLine } from '../../src/result/requests/line.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { assertBuilt, runScenarioText } from '../cli/helpers.js';

/**
 * ShareGPT conversations replayed as sessions through the built CLI: each session one conversation, its
 * human turns in order, each turn asking for the length of the reply the conversation recorded.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-conversations-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: RunningServer;
beforeEach(async () => {
  server = await startServer({ ttftMs: 2, tps: 50_000, outputTokens: 1000, stamp: true });
});
afterEach(() => server.close());

const words = (n: number, w: string): string => Array.from({ length: n }, () => w).join(' ');

/** Conversation c, turn t: the question, and a reply of a length no other turn has (7 + 10c + t words). */
const CONVERSATIONS = [2, 4, 1, 3].map((turns, c) => ({
  id: `c${c}`,
  conversations: [
    { from: 'system', value: `You are helper number ${c}.` },
    ...Array.from({ length: turns }, (_, t) => [
      { from: 'human', value: `Question ${t} of conversation ${c}: ${words(5 + t, 'why')}?` },
      { from: 'gpt', value: words(7 + 10 * c + t, ' because').trim() },
    ]).flat(),
  ],
}));
const FILE = path.join(dir, 'conversations.json');
writeFileSync(FILE, JSON.stringify(CONVERSATIONS, null, 1));

/** The o200k length of conversation c's reply to turn t: what the turn asks for. */
const replyTokens = (c: number, t: number): number => countTokens(CONVERSATIONS[c].conversations[2 + 2 * t].value);

function scenario(name: string, history: string, variants: string, isolate = true): string {
  return `name: ${name}
target: ${server.url}
dataset: { path: ${FILE}, isolate: ${isolate} }
variants:
${variants}
load: { kind: session, concurrency: 1, sessions: 4, history: ${history}, tool_time: 0.001 }
timeout: 20
`;
}

/** A variant's sessions, each its turns in turn order. */
function sessions(lines: RequestLine[], variant: string): RequestLine[][] {
  const by = new Map<number, RequestLine[]>();
  for (const l of lines.filter((x) => x.variant === variant)) by.set(l.session!, [...(by.get(l.session!) ?? []), l]);
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s.sort((a, b) => a.turn! - b.turn!));
}

describe('conversations as sessions', () => {
  it('chained over ws-persistent and HTTP: one conversation per session, its turns in order, each chained to the one before', async () => {
    const variants = `  - { name: ws, protocol: openai-responses, connection: ws-persistent }
  - { name: http, protocol: openai-responses, connection: http-keepalive }`;
    const { result, lines } = await runScenarioText<RequestLine>(
      dir,
      'chain',
      scenario('chain', 'chain', variants),
      30_000,
    );
    for (const v of result.variants) expect(v.sessions).toEqual({ total: 4, ok: 4, failed: 0, interrupted: 0 });
    for (const variant of ['ws', 'http']) {
      const all = sessions(lines, variant);
      expect(all.map((s) => s.length)).toEqual([2, 4, 1, 3]);
      all.forEach((turns, c) => {
        expect(turns.every((l) => l.ok && l.record === turns[0].record)).toBe(true);
        turns.forEach((l, t) => {
          expect(l.turn).toBe(t);
          // The turn asked for its own recorded reply's length, and got it: the turns went out in order.
          expect(l.max_output_tokens).toBe(replyTokens(c, t));
          expect(l.output_tokens).toBe(replyTokens(c, t));
          if (t === 0) expect(l.previous_response_id).toBeUndefined();
          else {
            expect(l.previous_response_id).toBe(turns[t - 1].response_id);
            expect(l.start_ms).toBeGreaterThan(turns[t - 1].start_ms + turns[t - 1].phases.doneAt);
          }
        });
      });
    }
    // 2 variants × (1 + 3 + 0 + 2) chained turns; a kept socket holds the chain, HTTP needs the store.
    expect(server.stats()).toMatchObject({ chainedRequests: 12, previousNotFound: 0, wsConnections: 1 });
  });

  it('full history resends the recorded conversation up to each question, on Chat Completions too', async () => {
    const variants = `  - { name: chat, protocol: openai-chat, connection: http-keepalive }
  - { name: ws, protocol: openai-responses, connection: ws-persistent }`;
    const { lines } = await runScenarioText<RequestLine>(
      dir,
      'full',
      scenario('full', 'full', variants, false),
      30_000,
    );
    for (const variant of ['chat', 'ws']) {
      sessions(lines, variant).forEach((turns, c) => {
        const conv = CONVERSATIONS[c].conversations;
        turns.forEach((l, t) => {
          // system, then question and recorded reply up to question t: the server counts each message.
          const sent = conv.slice(0, 2 + 2 * t);
          expect(l.input_tokens).toBe(sent.reduce((n, m) => n + countTokens(m.value), 0));
          expect(l.previous_response_id).toBeUndefined();
          expect(l.output_tokens).toBe(replyTokens(c, t));
        });
      });
    }
    expect(server.stats().chainedRequests).toBe(0);
  });
});
