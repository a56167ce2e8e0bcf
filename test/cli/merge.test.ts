import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/report/result.js';
import { assertBuilt, runCli, tempDir } from './helpers.js';

/** `run --shard i/n` on each part, then `merge`: together they are the scenario run once. */
const { dir, cleanup } = tempDir();
const file = path.join(dir, 'gate.yaml');
beforeAll(() => {
  assertBuilt();
  writeFileSync(
    file,
    `name: gate
target: embedded
server: { ttft_ms: 5, tps: 5000, output_tokens: 5 }
request: { prompt_tokens: 8, max_output_tokens: 5 }
variants:
  - { name: sse, protocol: openai-responses, connection: http-keepalive }
load: { kind: closed, concurrency: 3, requests: 21, warmup: 3 }
`,
  );
});
afterAll(cleanup);

describe('shard and merge', () => {
  it('two shards each run half the load; merged, they count the whole of it', async () => {
    const outs = ['1/2', '2/2'].map((s, i) => path.join(dir, `shard${i + 1}`));
    for (const [i, s] of ['1/2', '2/2'].entries()) {
      const o = await runCli(['run', file, '--shard', s, '--out', outs[i], '--quiet'], { timeoutMs: 60_000 });
      expect(o.code, o.stderr).toBe(0);
    }
    const parts = outs.map((o) => JSON.parse(readFileSync(path.join(o, 'result.json'), 'utf8')) as Result);
    expect(parts.map((p) => [p.shard, p.variants[0].counts.requests])).toEqual([
      [{ index: 1, count: 2 }, 11],
      [{ index: 2, count: 2 }, 10],
    ]);
    const merged = path.join(dir, 'merged.json');
    const o = await runCli(['merge', ...outs, '--out', merged]);
    expect(o.code, o.stderr).toBe(0);
    const m = JSON.parse(readFileSync(merged, 'utf8')) as Result;
    expect(m.variants[0].counts).toMatchObject({ requests: 21, ok: 21 });
    expect(m.variants[0].metrics.ttft_ms!.count).toBe(21);
    expect(o.stdout).toContain('merged from 2 shards');
    // The same shard twice is refused, naming it.
    const dup = await runCli(['merge', outs[0], outs[0], '--out', merged]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('both shard 1/2');
  });

  it('a shard with nothing to do is a usage error', async () => {
    const o = await runCli(['run', file, '--shard', '4/4', '--quiet']);
    expect(o.code).toBe(2);
    expect(o.stderr).toContain('shard 4/4 gets no concurrency (load.concurrency is 3)');
  });
});
