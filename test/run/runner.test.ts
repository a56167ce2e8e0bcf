import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RequestLine } from '../../src/result/requests/line.js';
import type { Result } from '../../src/result/result.js';
import type { RunConfig, RunStatus } from '../../src/run/run-config.js';
import { runSalt } from '../../src/run/run-inputs.js';
import { runScenario } from '../../src/run/runner.js';
import { parseScenario } from '../../src/scenario/load.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { ScenarioError } from '../../src/shared/input-error.js';
import { assertBuilt } from '../cli/helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-runner-'));
let server: RunningServer;
beforeAll(async () => {
  assertBuilt(); // the embedded target spawns dist/src/server/main.js
  server = await startServer({ ttftMs: 2, tps: 20_000, outputTokens: 8 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Ran {
  result: Result;
  out: string;
  logs: string[];
  status: (() => RunStatus) | undefined;
}

/** Runs `yaml` (as `<dir>/<name>.yaml`) into `<dir>/<name>/`. */
async function run(name: string, yaml: string, cfg: Partial<RunConfig> = {}): Promise<Ran> {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  const loaded = parseScenario(yaml, file, {});
  const out = path.join(dir, name);
  const logs: string[] = [];
  let status: (() => RunStatus) | undefined;
  const { result, dir: written } = await runScenario({
    loaded,
    scenario: loaded.scenario,
    outDir: out,
    log: (l) => logs.push(l),
    stopping: () => false,
    ...cfg,
    watch: (s) => {
      status = s;
      cfg.watch?.(s);
    },
  });
  expect(written).toBe(out);
  return { result, out, logs, status };
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const requestLines = (out: string): RequestLine[] =>
  readFileSync(path.join(out, 'requests.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RequestLine);

/** Whether anything accepts connections at `url` now. */
function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), hostname);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const SECRET = 'sk-never-written-4321';

describe('runScenario against the embedded server', () => {
  let ran: Ran;
  beforeAll(async () => {
    ran = await run(
      'full',
      `name: full
target: embedded
server: { ttft_ms: 3, tps: 20000, output_tokens: 4 }
request: { prompt_tokens: 8, max_output_tokens: 4, salt: 99 }
variants:
  - { name: a, protocol: openai-responses, connection: http-keepalive, headers: { authorization: "Bearer ${SECRET}" } }
  - { name: b, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 1, requests: 6, warmup: 1 }
block: 3
slo: { ttft_ms: 60000 }
claims:
  - { claim: "b halves TTFT", metric: ttft_ms, baseline: a, candidate: b, reduction: 0.5 }
thresholds:
  "a.ttft_ms.p50": "< 60000"
  "*.errors.count": "> 0"
`,
      { overrides: { '--requests': 6 } },
    );
  }, 30_000);

  it('returns a complete result with every variant measured, in the order written', () => {
    const r = ran.result;
    expect(r.schema).toBe('wirebench.result/v1');
    expect(r.complete).toBe(true);
    expect(r.target).toMatch(/^embedded \(http:\/\/127\.0\.0\.1:\d+\)$/);
    expect(r.variants.map((v) => [v.name, v.protocol, v.connection])).toEqual([
      ['a', 'openai-responses', 'http-keepalive'],
      ['b', 'openai-responses', 'ws-persistent'],
    ]);
    for (const v of r.variants) {
      expect(v.counts, v.name).toMatchObject({ requests: 6, ok: 6, warmup: 1, errors: {} });
      expect(v.metrics.ttft_ms?.count, v.name).toBe(6);
      // The server's TTFT is 3 ms: nothing measured on loopback can be below it.
      expect(v.metrics.ttft_ms!.min, v.name).toBeGreaterThanOrEqual(3);
      expect(v.goodput, v.name).toMatchObject({ good: 6, requests: 6, share: 1 });
    }
    // The persistent WebSocket was opened during warm-up and kept over the blocks.
    expect(r.variants[1].connections.opened).toBe(0);
    expect(r.workload).toMatchObject({ source: 'synthesized', salt: 99 });
    expect(r.overrides).toEqual({ '--requests': 6 });
    expect(r.shard).toBeUndefined();
    expect(r.sweep).toBeUndefined();
    expect(r.steps).toBeUndefined();
    expect(r.client).toBeDefined();
  });

  it('compares each variant with the first, by the medians it measured', () => {
    const r = ran.result;
    const [a, b] = r.variants;
    expect(r.comparisons.length).toBeGreaterThan(0);
    for (const c of r.comparisons) {
      expect([c.baseline, c.candidate]).toEqual(['a', 'b']);
      expect(c.baseline_p50).toBe(a.metrics[c.metric]!.p50);
      expect(c.candidate_p50).toBe(b.metrics[c.metric]!.p50);
      expect(c.change).toBeCloseTo(c.candidate_p50 / c.baseline_p50 - 1, 9);
    }
    expect(r.comparisons.map((c) => c.metric)).toContain('ttft_ms');
  });

  it('checks the claims and the thresholds on what was measured', () => {
    const r = ran.result;
    const [a, b] = r.variants;
    expect(r.claims).toHaveLength(1);
    const claim = r.claims![0];
    expect(claim).toMatchObject({
      claim: 'b halves TTFT',
      metric: 'ttft_ms',
      baseline: 'a',
      candidate: 'b',
      claimed_reduction: 0.5,
    });
    expect(claim.baseline_p50).toBe(a.metrics.ttft_ms!.p50);
    expect(claim.candidate_p50).toBe(b.metrics.ttft_ms!.p50);
    // Recorded to four decimals.
    expect(claim.reduction).toBeCloseTo(1 - b.metrics.ttft_ms!.p50 / a.metrics.ttft_ms!.p50, 3);
    expect(claim.samples).toEqual({ baseline: 6, candidate: 6 });
    // The wildcard applies to every variant; no request failed, so "> 0" fails for both.
    const th = r.thresholds!.map((t) => [t.key, t.variant, t.ok]);
    expect(th).toHaveLength(3);
    expect(th).toEqual(
      expect.arrayContaining([
        ['a.ttft_ms.p50', 'a', true],
        ['*.errors.count', 'a', false],
        ['*.errors.count', 'b', false],
      ]),
    );
    expect(r.thresholds!.find((t) => t.key === 'a.ttft_ms.p50')!.value).toBe(a.metrics.ttft_ms!.p50);
    expect(r.thresholds!.filter((t) => t.key === '*.errors.count').map((t) => t.value)).toEqual([0, 0]);
  });

  it('writes result.json (what it returns), every request, the histograms and the reports to the out folder', () => {
    const files = readdirSync(ran.out);
    expect(files).toEqual(
      expect.arrayContaining([
        'result.json',
        'requests.jsonl',
        'report.html',
        'report.md',
        'a.ttft_ms.hgrm',
        'b.ttft_ms.hgrm',
      ]),
    );
    expect(readJson(path.join(ran.out, 'result.json'))).toEqual(ran.result);
    const lines = requestLines(ran.out);
    for (const v of ['a', 'b']) {
      const mine = lines.filter((l) => l.variant === v);
      expect(mine.map((l) => l.i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(mine.filter((l) => l.warmup)).toHaveLength(1);
      expect(mine.every((l) => l.ok)).toBe(true);
    }
    // Interleaved in blocks of 3 (the first with the warm-up in front).
    const stretches = lines.map((l) => l.variant).filter((v, i, all) => i === 0 || all[i - 1] !== v);
    expect(stretches).toEqual(['a', 'b', 'a', 'b']);
    const hgrm = readFileSync(path.join(ran.out, 'a.ttft_ms.hgrm'), 'utf8');
    expect(hgrm).toMatch(/#\[Mean\s*=/);
  });

  it('never writes a header secret, nor returns one', () => {
    for (const f of readdirSync(ran.out)) expect(readFileSync(path.join(ran.out, f), 'utf8'), f).not.toContain(SECRET);
    expect(JSON.stringify(ran.result)).not.toContain(SECRET);
    expect(ran.logs.join('\n')).not.toContain(SECRET);
  });

  it("logs each variant's outcome, reports its progress, and stops the embedded server", async () => {
    expect(ran.logs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^a: 6\/6 ok, TTFT p50 /),
        expect.stringMatching(/^b: 6\/6 ok, TTFT p50 /),
      ]),
    );
    const st = ran.status!();
    expect(st).toMatchObject({ done: 12, total: 12, errors: 0 });
    expect(st.elapsedS).toBeGreaterThan(0);
    const url = /\((http:\/\/[^)]+)\)/.exec(ran.result.target)![1];
    expect(await listening(url)).toBe(false);
  });
});

const URL_SCENARIO = (name: string, extra: string): string => `name: ${name}
target: URL
request: { prompt_tokens: 8, max_output_tokens: 4 }
variants:
  - { name: a, protocol: openai-responses, connection: http-keepalive }
  - { name: b, protocol: openai-chat, connection: http-fresh }
${extra}
`;

describe('runScenario: sweeps, shards, stops and datasets', () => {
  const target = (yaml: string): string => yaml.replace('target: URL', `target: ${server.url}`);

  it('runs one step per swept value, each step judged and written on its own', async () => {
    const {
      result: r,
      out,
      status,
    } = await run(
      'sweep',
      target(
        URL_SCENARIO(
          'sweep',
          `load: { kind: closed, concurrency: 1, requests: 3 }
sweep: { param: request.max_output_tokens, values: [2, 5] }
thresholds: { "b.ttft_ms.p99": "< 60000" }`,
        ),
      ),
    );
    expect(r.complete).toBe(true);
    expect(r.variants).toEqual([]);
    expect(r.comparisons).toEqual([]);
    expect(r.sweep).toEqual({ param: 'request.max_output_tokens', values: [2, 5] });
    expect(r.steps!.map((s) => [s.param, s.value, s.variants.map((v) => v.name)])).toEqual([
      ['request.max_output_tokens', 2, ['a', 'b']],
      ['request.max_output_tokens', 5, ['a', 'b']],
    ]);
    // Each step sent its own value: the server generated what was asked.
    r.steps!.forEach((s, k) => {
      for (const v of s.variants) expect(v.tokens.output, `step ${k} ${v.name}`).toBe(3 * [2, 5][k]);
      expect(s.comparisons.every((c) => c.baseline === 'a' && c.candidate === 'b')).toBe(true);
    });
    expect(r.thresholds!.map((t) => [t.step, t.variant, t.ok])).toEqual([
      [0, 'b', true],
      [1, 'b', true],
    ]);
    const lines = requestLines(out);
    expect(lines.map((l) => `${l.step}:${l.max_output_tokens}`)).toEqual([
      ...Array(6).fill('0:2'),
      ...Array(6).fill('1:5'),
    ]);
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['step1.a.ttft_ms.hgrm', 'step2.b.ttft_ms.hgrm']));
    expect(status!()).toMatchObject({ done: 12, total: 12 });
  });

  it('records the shard it ran and salts its prompts apart from the other shards', async () => {
    const yaml = target(
      URL_SCENARIO(
        'shard',
        'request: { prompt_tokens: 8, max_output_tokens: 4, salt: 5 }\nload: { kind: closed, requests: 2 }',
      ).replace(/^request: .*\n/m, ''),
    );
    const shard = { index: 2, count: 3 };
    const { result: r } = await run('shard', yaml, { shard });
    expect(r.shard).toEqual(shard);
    const s = parseScenario(yaml, 'x.yaml', {}).scenario;
    expect(r.workload?.salt).toBe(runSalt(s, shard));
    expect(r.workload?.salt).not.toBe(5);
  });

  it('a run stopped before it starts sends nothing and says it is incomplete', async () => {
    const before = server.stats();
    const { result: r, out } = await run(
      'stopped',
      target(URL_SCENARIO('stopped', 'load: { kind: closed, requests: 3 }')),
      { stopping: () => true },
    );
    expect(r.complete).toBe(false);
    expect(r.variants).toEqual([]);
    expect(server.stats().tcpConnections).toBe(before.tcpConnections);
    expect(server.stats().httpRequests).toBe(before.httpRequests);
    expect(readJson(path.join(out, 'result.json'))).toMatchObject({ complete: false });
  });

  it('checks the dataset before anything is sent or written: a bad record rejects the run', async () => {
    writeFileSync(path.join(dir, 'bad.jsonl'), '{"prompt": "ok"}\n{"prompt": "ok"}\n{"prompt": 3}\n');
    const before = server.stats();
    const yaml = target(
      URL_SCENARIO('bad-dataset', 'dataset: { path: bad.jsonl }\nload: { kind: closed, requests: 3 }').replace(
        /^request: .*\n/m,
        '',
      ),
    );
    const err = await run('bad-dataset', yaml).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).message).toContain(path.join(dir, 'bad.jsonl'));
    expect((err as ScenarioError).issues.map((i) => i.line)).toContain(3);
    expect(server.stats().tcpConnections).toBe(before.tcpConnections);
    expect(existsSync(path.join(dir, 'bad-dataset'))).toBe(false);
  });

  it('a dataset that changes after it was checked stops its variants: the result is incomplete and says why', async () => {
    const file = path.join(dir, 'prompts.jsonl');
    writeFileSync(
      file,
      Array.from({ length: 6 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, output_tokens: 3 })).join('\n') +
        '\n',
    );
    const yaml = target(
      URL_SCENARIO('changed', 'dataset: { path: prompts.jsonl }\nload: { kind: closed, requests: 4 }').replace(
        /^request: .*\n/m,
        '',
      ),
    );
    // The run is watched once the dataset is indexed and before any record is read: the file changes then.
    const { result: r, out } = await run('changed', yaml, { watch: () => truncateSync(file, 10) });
    expect(r.complete).toBe(false);
    for (const v of ['a', 'b']) {
      expect(r.warnings).toEqual(
        expect.arrayContaining([expect.stringMatching(new RegExp(`^${v}: stopped: .*changed after it was indexed`))]),
      );
    }
    expect(readJson(path.join(out, 'result.json'))).toMatchObject({ complete: false });
  });
});
