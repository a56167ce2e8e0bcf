import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeHistogram } from '../../src/metrics/histogram.js';
import type { RequestLine } from '../../src/result/requests/line.js';
import type { Result } from '../../src/result/result.js';
import { assertBuilt, runCli, tempDir } from './helpers.js';

/**
 * `workers: N`: the same scenario on one thread and on two. The counts must be the same, and every sample
 * a worker recorded must be in the merged histograms once: each metric's count is what the requests.jsonl
 * lines say it must be (an ITL per delta after the first, a token delay per delta).
 */
const { dir, cleanup } = tempDir();
const file = path.join(dir, 'workers.yaml');
beforeAll(() => {
  assertBuilt();
  writeFileSync(
    file,
    `name: workers
target: embedded
server: { ttft_ms: 20, tps: 2000, output_tokens: 40, stamp: true }
request: { prompt_tokens: 8, max_output_tokens: 40 }
variants:
  - { name: sse, protocol: openai-responses, connection: http-keepalive }
  - { name: ws, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 4, requests: 41, warmup: 4 }
block: 10
`,
  );
});
afterAll(cleanup);

const read = (out: string) => ({
  result: JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as Result,
  lines: readFileSync(path.join(out, 'requests.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RequestLine),
});

describe('run with worker threads', () => {
  const outs = [1, 2].map((n) => path.join(dir, `w${n}`));

  it('counts the same on one worker and on two, and loses or doubles no sample', async () => {
    for (const [i, n] of [1, 2].entries()) {
      const o = await runCli(['run', file, '--workers', String(n), '--out', outs[i], '--quiet'], { timeoutMs: 60_000 });
      expect(o.code, o.stderr).toBe(0);
    }
    const [one, two] = outs.map(read);
    expect(two.result.overrides).toEqual({ workers: 2 });
    expect(new Set(two.lines.map((l) => l.worker))).toEqual(new Set([1, 2]));
    expect(one.lines.every((l) => l.worker === undefined)).toBe(true);
    for (const { result, lines } of [one, two]) {
      expect(result.complete).toBe(true);
      for (const v of result.variants) {
        expect(v.counts).toMatchObject({ requests: 41, ok: 41, warmup: 4 });
        const measured = lines.filter((l) => l.variant === v.name && !l.warmup);
        expect(measured).toHaveLength(41);
        const deltas = measured.reduce((s, l) => s + l.deltas, 0);
        expect(deltas).toBe(41 * 40);
        expect(v.metrics.ttft_ms!.count).toBe(41);
        expect(v.metrics.e2e_ms!.count).toBe(41);
        expect(v.metrics.itl_ms!.count).toBe(deltas - 41);
        expect(v.metrics.token_delay_ms!.count).toBe(deltas);
        expect(v.tokens.output).toBe(deltas);
        // The stored histogram is the sum itself, not just its count.
        expect(decodeHistogram(v.metrics.itl_ms!.hdr).totalCount).toBe(deltas - 41);
      }
    }
    const workers = two.result.client!.workers!;
    expect(workers).toHaveLength(2);
    const worst = Math.max(...workers.map((w) => w.event_loop_delay_ms.p99));
    expect(two.result.client!.event_loop_delay_ms.p99).toBe(worst);
  }, 130_000);

  it('keeps the variants interleaved across workers: no two variants ever run at the same time', () => {
    const { lines } = read(outs[1]);
    const spans = lines.map((l) => ({
      variant: l.variant,
      worker: l.worker,
      from: l.start_ms,
      to: l.start_ms + (l.phases.doneAt ?? l.phases.errorAt),
    }));
    const overlaps = spans.flatMap((a) =>
      spans.filter((b) => b.variant !== a.variant && b.worker !== a.worker && a.from < b.to && b.from < a.to),
    );
    expect(overlaps).toEqual([]);
    // …and both workers ran blocks of both variants.
    expect(new Set(spans.map((s) => `${s.worker}.${s.variant}`)).size).toBe(4);
  });

  it('refuses more workers than the load can be split among, naming the key', async () => {
    const o = await runCli(['run', file, '--workers', '5', '--out', path.join(dir, 'w5')]);
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/workers: 5 workers split the load 5 ways: shard 5\/5 gets no concurrency/);
    expect(o.stderr).not.toMatch(/\n\s+at /);
  });

  it('spaces a constant open loop evenly across workers, from one shared origin', async () => {
    const open = path.join(dir, 'open.yaml');
    writeFileSync(
      open,
      readFileSync(file, 'utf8').replace(
        /^load: .*$/m,
        'load: { kind: open, rate: 100, arrival: constant, requests: 30, warmup: 0 }',
      ),
    );
    const out = path.join(dir, 'open');
    const o = await runCli(['run', open, '--workers', '2', '--out', out, '--quiet'], { timeoutMs: 60_000 });
    expect(o.code, o.stderr).toBe(0);
    for (const variant of ['sse', 'ws']) {
      const lines = read(out).lines.filter((l) => l.variant === variant);
      expect(lines).toHaveLength(30);
      const byTime = [...lines].sort((a, b) => a.intended_ms - b.intended_ms);
      // Intended times are the schedule's own: 10 ms apart exactly, the workers taking turns.
      const gaps = byTime.slice(1).map((l, i) => l.intended_ms - byTime[i].intended_ms);
      expect(gaps.every((g) => Math.abs(g - 10) < 0.01)).toBe(true);
      expect(byTime.every((l, i) => i === 0 || l.worker !== byTime[i - 1].worker)).toBe(true);
    }
  });
});
