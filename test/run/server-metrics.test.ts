import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Result, VariantResult } from '../../src/result/result.js';
import { runScenario } from '../../src/run/runner.js';
import { parseScenario } from '../../src/scenario/load.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { assertBuilt, explain, readResult, runCli } from '../cli/helpers.js';

/**
 * server_metrics end to end: the reference server, whose TTFT is known and whose HTTP requests cost an
 * extra 20 ms before it accepts them, measured from both ends.
 */
const TTFT_MS = 40;
const HTTP_OVERHEAD_MS = 20;
const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-server-metrics-'));
let server: RunningServer;
beforeAll(async () => {
  assertBuilt(); // the workers' run goes through the built CLI
  server = await startServer({ ttftMs: TTFT_MS, tps: 2000, outputTokens: 20, httpOverheadMs: HTTP_OVERHEAD_MS });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function scenarioFile(name: string, extra: string): { file: string; yaml: string } {
  const yaml = `name: ${name}
target: ${server.url}
variants:
  - { name: http-fresh, protocol: openai-responses, connection: http-fresh }
  - { name: ws-persistent, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 2, requests: 24, warmup: 2 }
block: 6
${extra}
`;
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return { file, yaml };
}

async function run(name: string, extra: string): Promise<Result> {
  const { file, yaml } = scenarioFile(name, extra);
  const loaded = parseScenario(yaml, file, {});
  const { result } = await runScenario({
    loaded,
    scenario: loaded.scenario,
    outDir: path.join(dir, name),
    log: () => {},
    stopping: () => false,
  });
  return result;
}

const variant = (r: Result, name: string): VariantResult => r.variants.find((v) => v.name === name)!;

describe('server_metrics against the reference server', () => {
  it("reads the server's TTFT as configured, and the HTTP overhead as transport time", async () => {
    const r = await run('split', `server_metrics: { url: "${server.url}/metrics", preset: wirebench }`);
    expect(r.warnings.filter((w) => w.includes('server_metrics'))).toEqual([]);
    const http = variant(r, 'http-fresh');
    const ws = variant(r, 'ws-persistent');
    for (const v of [http, ws]) {
      const sm = v.server_metrics!;
      // 4 blocks of 6 per variant (the first also carries the 2 warm-up requests).
      expect(sm.blocks, v.name).toBe(4);
      const ttft = sm.metrics.ttft_ms!;
      expect(ttft.count, v.name).toBe(v.counts.requests + v.counts.warmup);
      // The server's own timer: on time or a few ms late, never early.
      expect(ttft.mean, v.name).toBeGreaterThanOrEqual(TTFT_MS);
      expect(ttft.mean, v.name).toBeLessThan(TTFT_MS + 5);
      expect(ttft.p50.lo, v.name).toBeLessThanOrEqual(TTFT_MS);
      expect(sm.metrics.e2e_ms!.count, v.name).toBe(ttft.count);
      // 20 deltas per response, one ITL observation each after the first.
      expect(sm.metrics.itl_ms!.count, v.name).toBe(ttft.count * 19);
      // Client − server is what the client saw beyond the server's own TTFT.
      expect(sm.split.ttft_ms!.mean, v.name).toBeCloseTo(v.metrics.ttft_ms!.mean - ttft.mean, 2);
      expect(sm.split.ttft_ms!.mean, v.name).toBeGreaterThan(0);
    }
    // The 20 ms the server spends before accepting an HTTP request is transport time, not server time:
    // http-fresh's difference exceeds ws-persistent's by about that (plus a loopback TCP connect).
    const extra = http.server_metrics!.split.ttft_ms!.mean - ws.server_metrics!.split.ttft_ms!.mean;
    expect(extra).toBeGreaterThan(HTTP_OVERHEAD_MS - 2);
    expect(extra).toBeLessThan(HTTP_OVERHEAD_MS + 6);
  });

  it('scrapes around the blocks of every worker alike with workers: 2', async () => {
    // Through the built CLI: a worker thread runs dist's worker-main.js.
    const { file } = scenarioFile(
      'workers',
      `workers: 2\nserver_metrics: { url: "${server.url}/metrics", preset: wirebench }`,
    );
    const out = path.join(dir, 'workers');
    const o = await runCli(['run', file, '--out', out, '--quiet']);
    expect(o.code, explain(o)).toBe(0);
    const r = readResult<Result>(out);
    for (const v of r.variants) {
      const sm = v.server_metrics!;
      expect(sm.metrics.ttft_ms!.count, v.name).toBe(v.counts.requests + v.counts.warmup);
      expect(sm.metrics.ttft_ms!.mean, v.name).toBeGreaterThanOrEqual(TTFT_MS);
    }
  });

  it('a page that cannot be scraped is a warning; the run and its figures stand', async () => {
    const r = await run('down', `server_metrics: { url: "${server.url}/nowhere", preset: wirebench, timeout_ms: 500 }`);
    expect(r.complete).toBe(true);
    for (const v of r.variants) {
      expect(v.counts.ok).toBe(24);
      expect(v.server_metrics).toBeUndefined();
    }
    expect(r.warnings).toContainEqual(
      expect.stringMatching(/server_metrics \(.*\/nowhere\): \d+ scrape\(s\) failed \(HTTP 404\)/),
    );
  });
});
