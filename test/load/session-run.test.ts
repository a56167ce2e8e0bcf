import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { RequestLine } from '../../src/result/requests/line.js';
import type { Result, VariantResult } from '../../src/result/result.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { assertBuilt, runScenarioText } from '../cli/helpers.js';

/**
 * Agent-loop sessions through the built CLI against a reference server in this process, so the test can
 * read what the server saw (its counters) next to what the client wrote (requests.jsonl).
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-session-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: RunningServer;
beforeEach(async () => {
  server = await startServer({ ttftMs: 2, tps: 20_000, outputTokens: 6, stamp: true });
});
afterEach(() => server.close());

const TURNS = 21;

function scenario(name: string, variants: string, load: string, extra = ''): string {
  return `name: ${name}
target: ${server.url}
request: { prompt_tokens: 16, max_output_tokens: 6 }
variants:
${variants}
load: { kind: session, concurrency: 1, sessions: 2, turns: ${TURNS}, tool_time: 0.001, tool_output_tokens: 8, ${load} }
timeout: 10
${extra}
`;
}

/** The turns of each session of a variant (per step), in turn order. */
function sessionsOf(lines: RequestLine[], variant: string, step?: number): RequestLine[][] {
  const by = new Map<number, RequestLine[]>();
  for (const l of lines) {
    if (l.variant !== variant || l.warmup || l.step !== step) continue;
    const list = by.get(l.session!) ?? [];
    list.push(l);
    by.set(l.session!, list);
  }
  return [...by.values()].map((s) => s.sort((a, b) => a.turn! - b.turn!));
}

function expectCompleted(v: VariantResult): void {
  expect(v.sessions).toEqual({ total: 2, ok: 2, failed: 0, interrupted: 0 });
  expect(v.counts).toMatchObject({ requests: 2 * TURNS, ok: 2 * TURNS });
  expect(v.metrics.session_turns?.p50).toBe(TURNS);
  expect(v.metrics.session_e2e_ms?.count).toBe(2);
}

describe('agent-loop sessions', () => {
  it('20 tool calls per session over ws-persistent and http-keepalive, chained and with the full history', async () => {
    const variants = `  - { name: ws, protocol: openai-responses, connection: ws-persistent }
  - { name: http, protocol: openai-responses, connection: http-keepalive }`;
    const { result, lines } = await runScenarioText<RequestLine>(
      dir,
      'sessions',
      scenario('sessions', variants, 'warmup: 0', 'sweep: { param: load.history, values: [chain, full] }'),
      90_000,
    );
    const r = result as Result;
    expect(r.complete).toBe(true);
    expect(r.steps!.map((s) => s.value)).toEqual(['chain', 'full']);
    for (const [k, step] of r.steps!.entries()) {
      for (const v of step.variants) {
        expectCompleted(v);
        for (const turns of sessionsOf(lines, v.name, k)) {
          expect(turns.map((t) => t.turn)).toEqual([...Array(TURNS).keys()]);
          expect(turns.every((t) => t.ok)).toBe(true);
          // Every turn but the last streamed the function call's arguments; the last, text.
          expect(turns.slice(0, -1).every((t) => t.first_channel === 'tool')).toBe(true);
          expect(turns.at(-1)!.first_channel).toBe('text');
          for (let i = 1; i < TURNS; i++) {
            // Chained: each turn names the response the server issued for the turn before.
            if (step.value === 'chain') expect(turns[i].previous_response_id).toBe(turns[i - 1].response_id);
            else expect(turns[i].previous_response_id).toBeUndefined();
            // The conversation grows either way (the server counts the context it builds on).
            expect(turns[i].input_tokens!).toBeGreaterThan(turns[i - 1].input_tokens!);
          }
        }
      }
    }
    const stats = server.stats();
    // Chain step: 2 variants × 2 sessions × 20 chained turns; the full-history step chains nothing.
    expect(stats.chainedRequests).toBe(2 * 2 * (TURNS - 1));
    expect(stats.functionCalls).toBe(2 * 2 * 2 * (TURNS - 1));
    expect(stats.previousNotFound).toBe(0);
    // One WebSocket per step for the whole of its sessions.
    expect(stats.wsConnections).toBe(2);
  });

  it('a chained id the server does not know is a classified error that ends the session', async () => {
    // Without store the server keeps nothing: over HTTP or a new WebSocket per turn, turn 2 chains to nothing.
    const variants = `  - { name: http, protocol: openai-responses, connection: http-keepalive }
  - { name: wsnew, protocol: openai-responses, connection: ws-per-request }`;
    const { result, lines } = await runScenarioText<RequestLine>(
      dir,
      'unknown-id',
      scenario(
        'unknown-id',
        variants,
        'warmup: 0',
        'request: { prompt_tokens: 16, max_output_tokens: 6, body: { store: false } }',
      ).replace(/^request: .*\n/m, ''),
      60_000,
    );
    const r = result as Result;
    for (const v of r.variants) {
      expect(v.sessions).toEqual({ total: 2, ok: 0, failed: 2, interrupted: 0 });
      expect(v.metrics.session_turns?.max).toBe(1);
      expect(v.metrics.session_e2e_ms).toBeUndefined();
      expect(v.counts.ok).toBe(2);
      const failed = lines.filter((l) => l.variant === v.name && !l.ok);
      expect(failed).toHaveLength(2);
      for (const l of failed) {
        expect(l.turn).toBe(1);
        expect(l.error?.code).toBe('previous_response_not_found');
      }
    }
    // The HTTP 400 and the WebSocket error event are the same refusal: one class on both transports.
    expect(r.variants.map((v) => v.counts.errors)).toEqual([{ http_status: 2 }, { http_status: 2 }]);
    expect(server.stats().previousNotFound).toBe(4);
  });
});
