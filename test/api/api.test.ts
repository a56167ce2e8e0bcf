import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';

import {
  compare,
  CompareError,
  merge,
  MergeError,
  type Result,
  run,
  type RunStatus,
  ScenarioError,
  type ScenarioInput,
  trend,
  TrendError,
} from '../../src/api/index.js';
import { readResult } from '../../src/result/read.js';
import { assertBuilt } from '../cli/helpers.js';

/**
 * The programmatic API from source against the embedded reference server: what `run`, `compare` and
 * `merge` return, and that they neither print, exit nor listen for signals.
 */
const SCENARIO: ScenarioInput = {
  name: 'api-small',
  target: 'embedded',
  server: { ttft_ms: 10, tps: 5000, output_tokens: 8 },
  request: { prompt_tokens: 8, max_output_tokens: 8 },
  variants: [
    { name: 'sse', protocol: 'openai-responses', connection: 'http-keepalive' },
    { name: 'ws', protocol: 'openai-responses', connection: 'ws-persistent' },
  ],
  load: { kind: 'closed', concurrency: 2, requests: 6, warmup: 1 },
  timeout: 10,
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-api-'));
/** The runs' own temporary folders go here, so a test can see that none is left behind. */
const tmp = path.join(dir, 'tmp');
const savedTmp = process.env.TMPDIR;
let shard1: Result;
let shard2: Result;
const progress: RunStatus[] = [];
const printed = { stdout: 0, stderr: 0 };
const signalListeners = { before: 0, during: 0 };
let exitCodeAfter: typeof process.exitCode;

beforeAll(async () => {
  assertBuilt(); // the embedded target spawns dist/src/server/main.js
  mkdirSync(tmp);
  process.env.TMPDIR = tmp;
  const out = vi.spyOn(process.stdout, 'write');
  const err = vi.spyOn(process.stderr, 'write');
  signalListeners.before = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
  try {
    shard1 = await run(SCENARIO, {
      shard: '1/2',
      out: path.join(dir, 'shard1'),
      progressIntervalMs: 20,
      onProgress: (s) => {
        signalListeners.during = Math.max(
          signalListeners.during,
          process.listenerCount('SIGINT') + process.listenerCount('SIGTERM'),
        );
        progress.push(s);
      },
    });
    // As YAML text, with no result folder.
    shard2 = await run(stringify(SCENARIO), { shard: { index: 2, count: 2 } });
    exitCodeAfter = process.exitCode;
    printed.stdout = out.mock.calls.length;
    printed.stderr = err.mock.calls.length;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}, 60_000);

afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(dir, { recursive: true, force: true });
});

describe('run', () => {
  it('returns the typed result of the run, as written to the result folder', () => {
    expect(shard1.complete).toBe(true);
    expect(shard1.shard).toEqual({ index: 1, count: 2 });
    expect(shard1.variants.map((v) => v.name)).toEqual(['sse', 'ws']);
    // Six requests per variant, split in two shards of three, all of them answered.
    for (const v of shard1.variants) expect(v.counts).toMatchObject({ requests: 3, ok: 3 });
    expect(shard1.variants[0].metrics.ttft_ms?.count).toBe(3);
    expect(readResult(path.join(dir, 'shard1'))).toEqual(shard1);
  });

  it('prints nothing, leaves the exit code alone and listens for no signal', () => {
    expect(printed).toEqual({ stdout: 0, stderr: 0 });
    expect(exitCodeAfter).toBeUndefined();
    expect(signalListeners.during).toBe(signalListeners.before);
  });

  it('reports progress while it runs and once at its end', () => {
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ done: 6, total: 6 });
  });

  it('without a result folder, leaves no files behind', () => {
    expect(shard2.shard).toEqual({ index: 2, count: 2 });
    for (const v of shard2.variants) expect(v.counts.ok).toBe(3);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('runs a scenario file, with the overrides recorded as the CLI records them', async () => {
    const file = path.join(dir, 'small.yaml');
    writeFileSync(file, stringify(SCENARIO));
    const r = await run(file, { requests: 2, concurrency: 1 });
    expect(r.overrides).toEqual({ requests: 2, concurrency: 1 });
    for (const v of r.variants) expect(v.counts.requests).toBe(2);
  });

  it('stops early on its signal and returns the partial result', async () => {
    const stop = new AbortController();
    const started = Date.now();
    const r = await run(SCENARIO, {
      duration: 60,
      signal: stop.signal,
      progressIntervalMs: 20,
      onProgress: (s) => {
        if (s.done >= 2) stop.abort();
      },
    });
    expect(r.complete).toBe(false);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('throws a ScenarioError for bad input instead of exiting', async () => {
    const bad: Array<[Parameters<typeof run>, RegExp]> = [
      [['name: x\nvariants: [\n'], /<inline scenario>:\d+:\d+/],
      [
        [stringify({ ...SCENARIO, variants: [{ name: 'a', protocol: 'nope', connection: 'http-keepalive' }] })],
        /protocol/,
      ],
      [[path.join(dir, 'missing.yaml')], /cannot read the scenario file/],
      [[SCENARIO, { requests: 2, duration: 1 }], /cannot be combined/],
      [[SCENARIO, { shard: '3/2' }], /shard: must be i\/n/],
      [[SCENARIO, { hdrLog: 1 }], /hdrLog: needs out/],
    ];
    for (const [args, message] of bad) {
      const err: unknown = await run(...args).catch((e: unknown) => e);
      expect(err, JSON.stringify(args)).toBeInstanceOf(ScenarioError);
      expect((err as Error).message).toMatch(message);
    }
    expect(process.exitCode).toBeUndefined();
  });
});

describe('compare', () => {
  it('two variants of one result file: exact samples from its requests.jsonl, and rule verdicts', async () => {
    const file = path.join(dir, 'shard1');
    const c = await compare(file, file, {
      baselineVariant: 'sse',
      candidateVariant: 'ws',
      failOn: ['ttft_ms.p50>0', 'ttft_ms.p50>+1000%'],
    });
    const ttft = c.comparisons.find((x) => x.metric === 'ttft_ms');
    expect(ttft).toMatchObject({ baseline_variant: 'sse', candidate_variant: 'ws', source: 'requests' });
    // Every TTFT is above 0 ms (an absolute limit breaks); none is eleven times another's (a relative one holds).
    expect(c.rules.map((r) => [r.rule, r.candidate_variant, r.statistic, r.ok])).toEqual([
      ['ttft_ms.p50>0', 'ws', 'ttft_ms.p50', false],
      ['ttft_ms.p50>+1000%', 'ws', 'ttft_ms.p50', true],
    ]);
    expect(c.rules[0].candidate).toBe(ttft!.stats.p50.candidate);
  });

  it('result objects, variant by variant, from their histograms', async () => {
    const c = await compare(shard1, shard2);
    expect(new Set(c.comparisons.map((x) => x.candidate_variant))).toEqual(new Set(['sse', 'ws']));
    for (const x of c.comparisons) expect(x.source_note).toBe('a result object, not a file');
  });

  it('throws a CompareError for what cannot be compared', async () => {
    await expect(compare(shard1, shard1)).rejects.toThrow(CompareError);
    await expect(compare(shard1, shard1)).rejects.toThrow(/with itself/);
    await expect(compare(shard1, shard2, { failOn: ['ttft.p50>+10%'] })).rejects.toThrow(/unknown metric "ttft"/);
    await expect(compare(shard1, shard2, { baselineVariant: 'nope' })).rejects.toThrow(/no such variant/);
  });
});

describe('trend', () => {
  it('follows a file and an object in start order, each change compare’s comparison', async () => {
    const file = path.join(dir, 'shard1');
    const t = await trend([shard2, file], { metrics: ['ttft_ms'] });
    const order = [shard1, shard2].sort((a, b) => Date.parse(a.env.started_at) - Date.parse(b.env.started_at));
    expect(t.runs.map((r) => r.started_at)).toEqual(order.map((r) => r.env.started_at));
    expect(t.runs.find((r) => r.path !== undefined)?.path).toBe(path.join(file, 'result.json'));
    expect(t.series.map((s) => [s.variant, s.metric, s.points.length])).toEqual([
      ['sse', 'ttft_ms', 2],
      ['ws', 'ttft_ms', 2],
    ]);
    const change = t.series[0].points[1]!.change!;
    expect(change.from).toBe(0);
    // One side is an object: both are compared from their histograms, as compare would.
    expect(change.comparison.source).toBe('histogram');
    expect(change.comparison.samples).toEqual({ baseline: 3, candidate: 3 });
  });

  it('throws a TrendError for what it cannot follow', async () => {
    await expect(trend([shard1], { metrics: ['ttft'] })).rejects.toThrow(TrendError);
    await expect(trend([])).rejects.toThrow(/no results given/);
  });
});

describe('merge', () => {
  it('adds the shards, a file and an object, into the whole run', () => {
    const m = merge([path.join(dir, 'shard1'), shard2]);
    expect(m.merged_from).toBe(2);
    expect(m.shard).toBeUndefined();
    for (const v of m.variants) expect(v.counts).toMatchObject({ requests: 6, ok: 6 });
    expect(m.variants[0].metrics.ttft_ms?.count).toBe(6);
  });

  it('throws a MergeError for a set that does not add up', () => {
    expect(() => merge([shard1])).toThrow(MergeError);
    expect(() => merge([shard1, shard1])).toThrow(/both shard 1\/2/);
  });
});
