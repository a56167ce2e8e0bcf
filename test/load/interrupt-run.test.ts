import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { RequestLine } from '../../src/result/requests/line.js';
import type { Result } from '../../src/result/result.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { assertBuilt, runScenarioText } from '../cli/helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-interrupt-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TTFT = 40;
let server: RunningServer;
beforeEach(async () => {
  // One token per delta at 500 tok/s: a stream cut after 10 tokens would have run 400 ms more.
  server = await startServer({ ttftMs: TTFT, tps: 500, outputTokens: 200, stamp: true });
});
afterEach(() => server.close());

describe('interrupt and redirect', () => {
  it('cancels every stream at the Nth token, redirects on the same variant and measures redirect_ms', async () => {
    const yaml = `name: interrupt
target: ${server.url}
request: { prompt_tokens: 16, max_output_tokens: 200 }
variants:
  - { name: http, protocol: openai-responses, connection: http-keepalive }
  - { name: ws, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 2, requests: 6, warmup: 2 }
interrupt: { after_tokens: 10, redirect: "Stop. One sentence instead." }
timeout: 10
`;
    const { result, lines } = await runScenarioText<RequestLine>(dir, 'interrupt', yaml);
    const r = result as Result;
    for (const v of r.variants) {
      expect(v.counts).toMatchObject({ requests: 6, ok: 6, errors: {}, cancelled: 6 });
      const mine = lines.filter((l) => l.variant === v.name && !l.warmup);
      const cancelled = mine.filter((l) => l.cancelled);
      const redirects = mine.filter((l) => l.redirect);
      expect(cancelled).toHaveLength(6);
      expect(redirects).toHaveLength(6);
      for (const c of cancelled) {
        // Cut exactly at the 10th token, and nothing of the same read after it counted.
        expect(c.deltas).toBe(10);
        expect(c.ok).toBe(false);
        expect(c.error).toBeUndefined();
        expect(c.phases.cancelledAt).toBe(c.phases.lastDelta);
        // Its redirect shares its number and ran whole.
        const next = redirects.find((x) => x.i === c.i)!;
        expect(next.ok).toBe(true);
        expect(next.output_tokens).toBe(200);
        expect(next.start_ms).toBeGreaterThanOrEqual(c.start_ms + c.phases.cancelledAt);
      }
      const redirect = v.metrics.redirect_ms!;
      expect(redirect.count).toBe(6);
      // Interrupt → first new token: at least the server's TTFT, plus a reconnect on loopback.
      expect(redirect.min).toBeGreaterThanOrEqual(TTFT);
      expect(redirect.max).toBeLessThan(TTFT + 40);
      // The cancelled streams' TTFT samples count; their E2E does not exist.
      expect(v.metrics.ttft_ms!.count).toBe(12);
      expect(v.metrics.e2e_ms!.count).toBe(6);
    }
    // The cancel reached the server: only the redirects (warm-up included) ran to completion.
    expect(server.stats().responsesCompleted).toBe(2 * (6 + 2));
  });

  it('over Realtime the cancel is response.cancel on the same socket: the redirect needs no new connection', async () => {
    const yaml = `name: interrupt-realtime
target: ${server.url}
request: { prompt_tokens: 16, max_output_tokens: 200 }
variants:
  - { name: rt, protocol: openai-realtime, connection: ws-persistent }
load: { kind: closed, concurrency: 1, requests: 5, warmup: 1 }
interrupt: { after_tokens: 10, redirect: "Stop. One sentence instead." }
timeout: 10
`;
    const { result, lines } = await runScenarioText<RequestLine>(dir, 'interrupt-realtime', yaml);
    const v = (result as Result).variants[0];
    expect(v.counts).toMatchObject({ requests: 5, ok: 5, errors: {}, cancelled: 5 });
    // One socket for everything: the warm-up opened it, nothing was opened while measuring.
    expect(v.connections.opened).toBe(0);
    expect(lines.filter((l) => l.phases.connStart !== undefined)).toHaveLength(1);
    expect(lines.filter((l) => l.cancelled).every((l) => l.deltas === 10)).toBe(true);
    // Interrupt → first new token is now the server's TTFT plus one loopback turn, no reconnect.
    expect(v.metrics.redirect_ms!.min).toBeGreaterThanOrEqual(TTFT);
    expect(v.metrics.redirect_ms!.max).toBeLessThan(TTFT + 25);
  });
});
