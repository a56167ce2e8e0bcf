import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RequestLine } from '../../src/result/requests/line.js';
import type { Result } from '../../src/result/result.js';
import { startServer } from '../../src/server/index.js';
import { assertBuilt, runScenarioText } from '../cli/helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-retry-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(name: string, retries: string, exitCode = 0): Promise<{ r: Result; lines: RequestLine[] }> {
  // 2 requests/s with a burst of 2: back-to-back requests run into 429s with retry-after: 1.
  const server = await startServer({ ttftMs: 2, tps: 20_000, outputTokens: 5, rateLimit: 2 });
  try {
    const { result, lines } = await runScenarioText<RequestLine>(
      dir,
      name,
      `name: ${name}
target: ${server.url}
request: { prompt_tokens: 8, max_output_tokens: 5 }
variants:
  - { name: sse, protocol: openai-responses, connection: http-keepalive }
load: { kind: closed, concurrency: 1, requests: 5 }
${retries}
`,
      30_000,
      [],
      exitCode,
    );
    return { r: result as Result, lines };
  } finally {
    await server.close();
  }
}

describe('retries', () => {
  it('off by default: a 429 is a rate_limited failure', async () => {
    // Three of five requests fail: more than half, so the run fails too (exit 3).
    const { r } = await run('no-retry', '', 3);
    expect(r.variants[0].counts.errors.rate_limited).toBeGreaterThan(0);
    expect(r.variants[0].counts.retries).toBeUndefined();
  });

  it('on: retry-after is honoured, attempts are counted, and latency counts from the first attempt', async () => {
    const { r, lines } = await run('retry', 'retries: { max: 3, backoff_ms: 10 }');
    const v = r.variants[0];
    expect(v.counts).toMatchObject({ requests: 5, ok: 5, errors: {} });
    expect(v.counts.retries).toBeGreaterThan(0);
    const retried = lines.filter((l) => l.retried);
    expect(retried).toHaveLength(v.counts.retries!);
    expect(retried.every((l) => l.error?.class === 'rate_limited' && l.status === 429)).toBe(true);
    for (const l of retried) {
      // Its next attempt waited the server's retry-after (1 s), not the 10 ms backoff.
      const next = lines.find((x) => x.i === l.i && (x.attempt ?? 0) === (l.attempt ?? 0) + 1)!;
      expect(next.start_ms - l.start_ms).toBeGreaterThanOrEqual(1000);
      // ...and its latencies count from the first attempt's start.
      expect(next.intended_ms).toBe(lines.find((x) => x.i === l.i && x.attempt === undefined)!.start_ms);
    }
    expect(v.metrics.e2e_ms!.max).toBeGreaterThanOrEqual(1000);
  });
});
