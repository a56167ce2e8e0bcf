import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Result } from '../../src/result/result.js';
import { checkThresholds } from '../../src/result/thresholds.js';
import { checkClaims } from '../../src/stats/claims.js';
import { assertBuilt, runCli, tempDir } from './helpers.js';

/**
 * `run --shard i/n` on each part, then `merge`: together they are the scenario run once. Each shard
 * measures about half the requests, so it fails the count threshold the whole run passes.
 */
const { dir, cleanup } = tempDir();
const file = path.join(dir, 'gate.yaml');
beforeAll(() => {
  assertBuilt();
  writeFileSync(
    file,
    `name: gate
target: embedded
server: { ttft_ms: 5, tps: 5000, output_tokens: 5, http_overhead_ms: 10 }
request: { prompt_tokens: 8, max_output_tokens: 5 }
variants:
  - { name: sse, protocol: openai-responses, connection: http-keepalive }
  - { name: ws, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 3, requests: 21, warmup: 3 }
seed: 3
slo: { ttft_ms: 10000 }
claims:
  - { claim: "ws cuts overhead in half", metric: overhead_ms, baseline: sse, candidate: ws, reduction: 0.5 }
thresholds:
  "*.ttft_ms.count": ">= 21"
  "*.errors.count": "== 0"
`,
  );
});
afterAll(cleanup);

const read = (p: string): Result => JSON.parse(readFileSync(p, 'utf8')) as Result;
const ms = (iso: string | undefined): number => Date.parse(iso!);

describe('shard and merge', () => {
  const outs = ['1/2', '2/2'].map((_, i) => path.join(dir, `shard${i + 1}`));
  const merged = path.join(dir, 'merged.json');

  it('two shards side by side each run half the load; merged, they count and check the whole of it', async () => {
    const runs = await Promise.all(
      ['1/2', '2/2'].map((s, i) =>
        runCli(['run', file, '--shard', s, '--out', outs[i], '--quiet'], { timeoutMs: 60_000 }),
      ),
    );
    for (const o of runs) {
      expect(o.code, o.stderr).toBe(1);
      expect(o.stderr).toMatch(/threshold failed: \*\.ttft_ms\.count >= 21 {2}sse: 1[01]/);
    }
    const parts = outs.map((o) => read(path.join(o, 'result.json')));
    expect(parts.map((p) => [p.shard, p.variants[0].counts.requests])).toEqual([
      [{ index: 1, count: 2 }, 11],
      [{ index: 2, count: 2 }, 10],
    ]);
    const o = await runCli(['merge', ...outs, '--out', merged]);
    expect(o.code, o.stderr).toBe(0);
    const m = read(merged);
    expect(o.stdout).toContain('merged from 2 shards');
    expect(m.shards!.map((s) => s.index)).toEqual([1, 2]);
    for (const [j, v] of m.variants.entries()) {
      expect(v.counts).toMatchObject({ requests: 21, ok: 21 });
      expect(v.metrics.ttft_ms!.count).toBe(21);
      expect(v.goodput).toMatchObject({ good: 21, requests: 21, share: 1 });
      // The union window: from the earliest shard's first start to the latest shard's last end.
      const shardsOfV = parts.map((p) => p.variants[j]);
      expect(ms(v.started_at)).toBe(Math.min(...shardsOfV.map((p) => ms(p.started_at))));
      expect(ms(v.ended_at)).toBe(Math.max(...shardsOfV.map((p) => ms(p.ended_at))));
      const longest = Math.max(...shardsOfV.map((p) => p.window_s));
      expect(v.window_s).toBeGreaterThanOrEqual(longest);
      // At most the union; the union's times are whole ms, so where that rounds below the longest window,
      // the longest it is (seen: 0.604 s against a 0.603 s union).
      expect(v.window_s).toBeLessThanOrEqual(Math.max(longest, (ms(v.ended_at) - ms(v.started_at)) / 1000));
    }
    expect(m.thresholds!.every((t) => t.ok)).toBe(true);
    expect(m.thresholds).toEqual(
      checkThresholds({ '*.ttft_ms.count': '>= 21', '*.errors.count': '== 0' }, m.variants, true),
    );
    const claims = [
      {
        claim: 'ws cuts overhead in half',
        metric: 'overhead_ms',
        baseline: 'sse',
        candidate: 'ws',
        reduction: 0.5,
        tolerance: 0.05,
      },
    ] as const;
    expect(m.claims).toEqual(checkClaims(claims, m.variants, 3));
    expect(m.claims![0].samples).toEqual({ baseline: 21, candidate: 21 });
    // Its reports come from the added histograms; with no requests.jsonl beside it, no over-time charts.
    const html = path.join(dir, 'merged.html');
    const rep = await runCli(['report', merged, '--html', html, '--md', path.join(dir, 'merged.md')]);
    expect(rep.code, rep.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('id="pct-ttft_ms"');
    expect(page).not.toContain('id="time-ttft-');
    expect(readFileSync(path.join(dir, 'merged.md'), 'utf8')).toMatch(/\| sse \| 21 \/ 21 \|/);
    // The same shard twice is refused, naming it.
    const dup = await runCli(['merge', outs[0], outs[0], '--out', merged]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('both shard 1/2');
  });

  it('a threshold the merged run fails exits 1, naming it', async () => {
    const stricter = outs.map((o, i) => {
      const r = read(path.join(o, 'result.json'));
      const to = path.join(dir, `stricter${i + 1}`);
      mkdirSync(to, { recursive: true });
      const scenario = { ...(r.scenario as object), thresholds: { 'ws.ttft_ms.count': '>= 22' } };
      writeFileSync(path.join(to, 'result.json'), JSON.stringify({ ...r, scenario }));
      return to;
    });
    const o = await runCli(['merge', ...stricter, '--out', merged, '--quiet']);
    expect(o.code).toBe(1);
    expect(o.stderr).toContain('threshold failed: ws.ttft_ms.count >= 22  ws: 21');
  });

  it('a shard with nothing to do is a usage error', async () => {
    const o = await runCli(['run', file, '--shard', '4/4', '--quiet']);
    expect(o.code).toBe(2);
    expect(o.stderr).toContain('shard 4/4 gets no concurrency (load.concurrency is 3)');
  });
});
