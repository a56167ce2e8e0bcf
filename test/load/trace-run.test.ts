import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { RequestLine } from '../../src/result/requests/line.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { assertBuilt, runScenarioText } from '../cli/helpers.js';

/**
 * Trace replay through the built CLI against a reference server with a prefix cache: the arrivals at the
 * file's timestamps, each request's input length exact, and equal hash ids as equal prefixes.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-trace-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: RunningServer;
beforeEach(async () => {
  server = await startServer({
    ttftMs: 5,
    prefillTps: 200_000,
    prefixCache: true,
    tps: 20_000,
    outputTokens: 100,
    stamp: true,
  });
});
afterEach(() => server.close());

interface TraceRecord {
  timestamp: number;
  input_length: number;
  output_length: number;
  hash_ids: number[];
}

/**
 * 30 arrivals 25 ms apart (three of them at once), alternating two families of prefixes: A shares two
 * blocks (1024 tokens) then has a block of its own, B shares one block then 88 tokens of its own.
 */
const RECORDS: TraceRecord[] = Array.from({ length: 30 }, (_, k) => {
  const a = k % 2 === 0;
  return {
    timestamp: k === 11 || k === 12 ? 250 : k * 25,
    input_length: a ? 1024 + 300 + k : 600 + k,
    output_length: 3 + (k % 5),
    hash_ids: a ? [0, 1, 100 + k] : [2, 100 + k],
  };
});
const TRACE = path.join(dir, 'trace.jsonl');
writeFileSync(TRACE, RECORDS.map((r) => JSON.stringify(r)).join('\n') + '\n');

function scenario(name: string, load: string, variants: string[]): string {
  return `name: ${name}
target: ${server.url}
dataset: { path: ${TRACE} }
variants:
${variants.map((v) => `  - { name: ${v}, protocol: openai-responses, connection: ${v} }`).join('\n')}
load: { kind: trace, ${load} }
timeout: 20
`;
}

/** The trace record a line replayed (its 1-based line is the record's index + 1 here). */
const recordOf = (l: RequestLine): TraceRecord => RECORDS[l.record! - 1];

describe('trace replay', () => {
  it('replays every record at its timestamp, its input length exact, its prefixes as the hash ids share them', async () => {
    const { result, lines } = await runScenarioText<RequestLine>(
      dir,
      'mooncake',
      scenario('mooncake', 'warmup: 0', ['http-keepalive', 'ws-persistent']),
      30_000,
    );
    expect(result.workload).toMatchObject({
      source: 'dataset',
      dataset: { format: 'mooncake', detected: true, records: 30 },
    });
    for (const variant of ['http-keepalive', 'ws-persistent']) {
      const v = lines.filter((l) => l.variant === variant).sort((a, b) => a.record! - b.record!);
      expect(v.map((l) => l.record)).toEqual(RECORDS.map((_, k) => k + 1));
      const t0 = v[0].intended_ms;
      for (const l of v) {
        const r = recordOf(l);
        expect(l.ok).toBe(true);
        // What was asked: the trace's lengths, the prompt synthesized to exactly its input length.
        expect(l.prompt_tokens).toBe(r.input_length);
        expect(l.input_tokens).toBe(r.input_length);
        expect(l.max_output_tokens).toBe(r.output_length);
        expect(l.output_tokens).toBe(r.output_length);
        // Intended starts are the timestamps (µs rounding of the lines); actual starts follow them.
        expect(l.intended_ms - t0).toBeCloseTo(r.timestamp, 1);
        expect(l.start_ms).toBeGreaterThanOrEqual(l.intended_ms);
      }
      const delays = v.map((l) => l.start_ms - l.intended_ms).sort((a, b) => a - b);
      expect(delays[Math.floor(delays.length / 2)]).toBeLessThan(10);
      // Equal hash ids are equal text: after its family's first request, each finds the shared blocks.
      const firstOf = (family: number) => v.find((l) => recordOf(l).hash_ids[0] === family)!;
      for (const l of v) {
        const shared = recordOf(l).hash_ids[0] === 0 ? 1024 : 512;
        const first = firstOf(recordOf(l).hash_ids[0]);
        // Three arrivals share a timestamp: one of a family may still be in prefill when the next comes.
        if (l === first) expect(l.cached_tokens).toBe(0);
        else if (l.start_ms > first.start_ms + 20) expect(l.cached_tokens).toBe(shared);
      }
    }
    // The server saw what the client recorded, and every answer was as long as the trace asked.
    expect(server.stats().cachedInputTokens).toBe(lines.reduce((n, l) => n + (l.cached_tokens ?? 0), 0));
    expect(result.variants.map((x: { output_lengths: { short: number } }) => x.output_lengths.short)).toEqual([0, 0]);
  });

  it('speed, start and duration cut and compress a window of the trace; warm-up takes its first arrivals', async () => {
    const { result, lines } = await runScenarioText<RequestLine>(
      dir,
      'window',
      scenario('window', 'speed: 2, start: 0.25, duration: 0.25, warmup: 2', ['http-keepalive']),
      30_000,
    );
    // [250 ms, 500 ms): records 10–19 (index), the three at 250 ms among them.
    expect(lines.map((l) => l.record).sort((a, b) => a! - b!)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(lines.filter((l) => l.warmup)).toHaveLength(2);
    expect(result.variants[0].counts.requests).toBe(8);
    const t0 = Math.min(...lines.map((l) => l.intended_ms));
    for (const l of lines) expect(l.intended_ms - t0).toBeCloseTo((recordOf(l).timestamp - 250) / 2, 1);
  });
});
