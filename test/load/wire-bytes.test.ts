import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RequestLine } from '../../src/result/requests/line.js';
import type { Result } from '../../src/result/result.js';
import { assertBuilt, runScenarioText } from '../cli/helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-wire-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wire bytes per token', () => {
  it('counts each response’s bytes on its connection: SSE framing costs more per token than WebSocket frames', async () => {
    const { result, lines } = await runScenarioText<RequestLine>(
      dir,
      'wire',
      `name: wire
target: embedded
server: { ttft_ms: 2, tps: 20000, output_tokens: 100, stamp: false }
request: { prompt_tokens: 8, max_output_tokens: 100 }
variants:
  - { name: sse, protocol: openai-responses, connection: http-keepalive }
  - { name: ws, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 1, requests: 5, warmup: 1 }
`,
    );
    const byName = new Map((result as Result).variants.map((v) => [v.name, v]));
    const sse = byName.get('sse')!.wire!;
    const ws = byName.get('ws')!.wire!;
    // Every token is one delta event; the same JSON travels either way, so what differs is the framing:
    // an `event:` line, `data: `, blank line and chunk size per SSE event vs a 2–4 byte WebSocket header.
    expect(sse.bytes_per_output_token - ws.bytes_per_output_token).toBeGreaterThan(30);
    expect(ws.bytes_per_output_token).toBeGreaterThan(100);
    // Per request the counts are the responses' own, the same for every response of a variant (same
    // output, same framing) within the few bytes of varying ids and numbers.
    for (const name of ['sse', 'ws']) {
      const sizes = lines.filter((l) => l.variant === name && !l.warmup).map((l) => l.bytes_in!);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(400);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(byName.get(name)!.wire!.bytes_in);
    }
  });
});
