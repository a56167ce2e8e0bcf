import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RequestLine } from '../../src/result/requests/line.js';
import type { Result } from '../../src/result/result.js';
import { startServer } from '../../src/server/index.js';
import { assertBuilt, runScenarioText } from '../cli/helpers.js';

/**
 * Every fault the reference server injects, at 5% each over 300 requests through the built CLI: the run
 * completes, each fault class lands in its own error class with the count the server says it injected,
 * and nothing hangs past its limits.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-faults-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAULT_TO_CLASS = {
  'http-500': 'server_error',
  'mid-stream-error': 'stream_error',
  reset: 'reset',
  stall: 'timeout',
  malformed: 'protocol',
  'ws-426': 'http_status',
} as const;

describe('fault injection', () => {
  it('300 requests with every fault class at 5%: counted per class, as injected, none hanging', async () => {
    const faults = Object.fromEntries(Object.keys(FAULT_TO_CLASS).map((f) => [f, 0.05]));
    const server = await startServer({ ttftMs: 5, tps: 2000, outputTokens: 12, faults, seed: 3 });
    try {
      const yaml = `name: faults
target: ${server.url}
request: { prompt_tokens: 8, max_output_tokens: 12 }
variants:
  - { name: sse, protocol: openai-responses, connection: http-keepalive }
  - { name: ws, protocol: openai-responses, connection: ws-per-request }
load: { kind: closed, concurrency: 6, requests: 150 }
timeout: 5
idle_timeout: 0.5
`;
      const { result, lines } = await runScenarioText<RequestLine>(dir, 'faults', yaml, 120_000);
      const r = result as Result;
      expect(r.complete).toBe(true);
      const counted: Record<string, number> = {};
      for (const v of r.variants) {
        for (const [cls, n] of Object.entries(v.counts.errors)) counted[cls] = (counted[cls] ?? 0) + n;
      }
      const injected = server.stats().faults;
      const expected: Record<string, number> = {};
      for (const [fault, cls] of Object.entries(FAULT_TO_CLASS)) {
        expected[cls] = injected[fault as keyof typeof FAULT_TO_CLASS];
        // At 5% of ~300 each class is drawn: an empty class would prove nothing.
        expect(expected[cls], fault).toBeGreaterThan(1);
      }
      expect(counted).toEqual(expected);
      const ok = r.variants.reduce((n, v) => n + v.counts.ok, 0);
      const failed = Object.values(counted).reduce((a, b) => a + b, 0);
      expect(ok + failed).toBe(300);
      // Stalls end at the idle limit, not at the 5 s deadline; nothing outlives either.
      for (const l of lines) {
        const end = l.phases.doneAt ?? l.phases.errorAt ?? 0;
        expect(end, JSON.stringify(l)).toBeLessThan(l.error?.class === 'timeout' ? 1500 : 1000);
        if (l.error?.class === 'timeout') expect(l.error.code).toBe('idle_timeout');
      }
    } finally {
      await server.close();
    }
  });
});
