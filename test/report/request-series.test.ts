import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { readRequestSeries } from '../../src/report/request-series.js';
import { tempDir } from '../cli/helpers.js';
import { lineText } from '../result/line-fixture.js';

const line = (o: Record<string, unknown>): string => lineText(o);

describe('requests.jsonl series for the report', () => {
  it('counts from the intended start, takes the mean gap per request, and skips what the histograms skip', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'requests.jsonl');
      writeFileSync(
        file,
        [
          // Open loop: started 5 ms late, first delta 20 ms after the start → TTFT 25 ms.
          line({ i: 1, intended_ms: 1000, start_ms: 1005, phases: { firstDelta: 20, lastDelta: 40 }, deltas: 5 }),
          line({ i: 2, warmup: true, start_ms: 10, phases: { firstDelta: 1, lastDelta: 2 }, deltas: 2 }),
          // Cancelled on purpose: its TTFT is in the histogram, so in the series too.
          line({ i: 3, cancelled: true, intended_ms: 20, start_ms: 20, phases: { firstDelta: 1 }, deltas: 1 }),
          line({
            i: 4,
            ok: false,
            start_ms: 2000,
            phases: { errorAt: 30 },
            error: { class: 'timeout', code: 'idle_timeout' },
          }),
          line({ i: 8, ok: false, start_ms: 2100, error: { class: 'reset' } }),
          // Not a request line (no phases): skipped, not a crash.
          JSON.stringify({ variant: 'v', i: 9, ok: true, start_ms: 1, intended_ms: 1, deltas: 1 }),
          line({ i: 7, ok: false, start_ms: 2500, error: { class: 'interrupted' } }),
          line({
            i: 5,
            step: 1,
            start_ms: 3000,
            intended_ms: 3000,
            phases: { firstDelta: 7 },
            deltas: 1,
            token_ms: [7],
          }),
          '{"variant":"v","i":6,"warm', // a run killed mid-write
        ].join('\n'),
      );
      const series = await readRequestSeries(file);
      expect([...series.keys()].sort()).toEqual(['step2.v', 'v']);
      const v = series.get('v')!;
      expect(v.ttft).toEqual([
        [0.02, 1],
        [1.005, 25],
      ]);
      expect(v.gap).toEqual([[1.005, 5]]);
      expect(v.failures).toEqual([[2, 2]]);
      // The first failure is kept for the waterfall, with what ended it.
      expect(v.failure).toMatchObject({ i: 4, error: 'timeout: idle_timeout', phases: { errorAt: 30 }, token_ms: [] });
      expect([v.ok, v.failed]).toEqual([2, 2]);
      const s = series.get('step2.v')!;
      // One delta: no gap to average.
      expect(s.gap).toEqual([]);
      expect(s.samples.map((x) => x.token_ms)).toEqual([[7]]);
    } finally {
      cleanup();
    }
  });

  it('pairs TTFT with the input length and E2E with the output length, of the requests the histograms count', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'requests.jsonl');
      const done = (o: Record<string, unknown>) =>
        line({ deltas: 2, ...o, phases: { firstDelta: 20, lastDelta: 40, doneAt: 50 } });
      writeFileSync(
        file,
        [
          // The server's count wins over the client's; started 5 ms late: TTFT 25, E2E 55.
          done({
            i: 1,
            intended_ms: 0,
            start_ms: 5,
            prompt_tokens: 100,
            input_tokens: 120,
            output_tokens: 30,
            max_output_tokens: 40,
          }),
          // A synthesized prompt the server did not count: the client's count.
          done({ i: 2, intended_ms: 10, start_ms: 10, prompt_tokens: 200, output_tokens: 40, max_output_tokens: 40 }),
          // Dataset text without usage: no input length (0 is the recorder's "not counted"), still an E2E.
          done({ i: 3, intended_ms: 20, start_ms: 20, prompt_tokens: 0, output_tokens: 10 }),
          // A cancelled stream: its TTFT is counted, it has no E2E (and asked for nothing the histogram received).
          done({
            i: 4,
            intended_ms: 30,
            start_ms: 30,
            cancelled: true,
            input_tokens: 300,
            output_tokens: 5,
            max_output_tokens: 99,
          }),
          // Neither warm-up, nor failures, nor retried attempts.
          done({ i: 5, warmup: true, input_tokens: 900, output_tokens: 900, max_output_tokens: 900 }),
          done({
            i: 6,
            ok: false,
            error: { class: 'reset' },
            input_tokens: 900,
            output_tokens: 900,
            max_output_tokens: 900,
          }),
          done({ i: 7, retried: true, input_tokens: 900, output_tokens: 900, max_output_tokens: 900 }),
        ].join('\n'),
      );
      const v = (await readRequestSeries(file)).get('v')!;
      expect(v.ttftByInput.sort((a, b) => a[0] - b[0])).toEqual([
        [120, 25],
        [200, 20],
        [300, 20],
      ]);
      expect(v.e2eByOutput.sort((a, b) => a[0] - b[0])).toEqual([
        [10, 50],
        [30, 55],
        [40, 50],
      ]);
      expect([v.withInput, v.completed]).toEqual([3, 3]);
      // max_output_tokens of the completed requests, exactly: what their output was asked to be.
      expect(v.requested!.totalCount).toBe(2);
      expect(v.requested!.getValueAtPercentile(100) / 1000).toBeCloseTo(40, 1);
    } finally {
      cleanup();
    }
  });

  it('keeps a bounded, uniform, time-ordered sample of a long run', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'requests.jsonl');
      const n = 20_000;
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        // TTFT, input and output length all name the request, so the samples can be told apart.
        const phases = { firstDelta: i, doneAt: i + 1 };
        lines.push(
          line({
            i,
            start_ms: i,
            intended_ms: i,
            phases,
            deltas: 1,
            input_tokens: i + 1,
            output_tokens: i + 2,
            max_output_tokens: 5,
          }),
        );
      }
      writeFileSync(file, lines.join('\n'));
      const v = (await readRequestSeries(file, 1000)).get('v')!;
      expect(v.ok).toBe(n);
      expect(v.ttft).toHaveLength(1000);
      expect([v.withInput, v.completed, v.requested!.totalCount]).toEqual([n, n, n]);
      // The scatter plots draw the very requests of the over-time sample.
      const ids = (pairs: [number, number][], id: (p: [number, number]) => number) =>
        pairs.map(id).sort((a, b) => a - b);
      const sampled = ids(v.ttft, ([, ttft]) => ttft);
      expect(v.ttftByInput.every(([input, ttft]) => input === ttft + 1)).toBe(true);
      expect(ids(v.ttftByInput, ([, ttft]) => ttft)).toEqual(sampled);
      expect(v.e2eByOutput.every(([output, e2e]) => output === e2e + 1)).toBe(true);
      expect(ids(v.e2eByOutput, ([, e2e]) => e2e - 1)).toEqual(sampled);
      const t = v.ttft.map(([x]) => x);
      expect(t).toEqual([...t].sort((a, b) => a - b));
      // Uniform: each quarter of the run holds about a quarter of the sample (binomial sd ≈ 14).
      for (let q = 0; q < 4; q++) {
        const inQuarter = t.filter((x) => x >= (q * n) / 4000 && x < ((q + 1) * n) / 4000).length;
        expect(inQuarter).toBeGreaterThan(180);
        expect(inQuarter).toBeLessThan(320);
      }
    } finally {
      cleanup();
    }
  });
});
