import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer } from '../../src/server/index.js';
import {
  assertBuilt,
  closedPort,
  explain,
  fixture,
  type Json,
  type Outcome,
  readRequests,
  readResult,
  runCli,
  STACK_FRAME,
  startCli,
  tempDir,
  waitFor,
} from './helpers.js';

const tmp = tempDir();
beforeAll(assertBuilt);
afterAll(tmp.cleanup);

describe('wirebench run', () => {
  const out = path.join(tmp.dir, 'small');
  let outcome: Outcome;

  beforeAll(async () => {
    outcome = await runCli(['run', fixture('small.yaml'), '--out', out]);
  });

  it('exits 0 and writes a complete result.json', () => {
    expect(outcome.code, explain(outcome)).toBe(0);
    const result = readResult(out);
    expect(result.schema).toBe('wirebench.result/v1');
    expect(result.complete).toBe(true);
    expect(result.variants.map((v: Json) => v.name)).toEqual(['http-keepalive', 'ws-persistent']);
    for (const v of result.variants) {
      expect(v.counts.requests, v.name).toBe(4);
      expect(v.counts.ok, v.name).toBe(v.counts.requests);
      for (const metric of ['ttft_ms', 'itl_ms', 'e2e_ms']) {
        const m = v.metrics[metric];
        expect(m?.count, `${v.name} ${metric}`).toBeGreaterThan(0);
        // HdrHistogram's compressed base64 form: "HISTF" is the encoding of its V2 compressed cookie.
        expect(m.hdr).toMatch(/^HISTF/);
        expect(Buffer.from(m.hdr, 'base64').readUInt32BE(0)).toBe(0x1c849314);
      }
    }
  });

  it('writes one requests.jsonl line per request, warm-up included', () => {
    const lines = readRequests(out);
    // 2 variants x (4 measured + 2 warm-up: `warmup: 1`, but each of the 2 users warms up once)
    expect(lines).toHaveLength(12);
    expect(lines.filter((l) => l.warmup === true)).toHaveLength(4);
    expect(new Set(lines.map((l) => l.variant))).toEqual(new Set(['http-keepalive', 'ws-persistent']));
  });

  it('writes a .hgrm percentile file per variant and metric', () => {
    const files = readdirSync(out);
    for (const v of ['http-keepalive', 'ws-persistent']) {
      const file = `${v}.ttft_ms.hgrm`;
      expect(files).toContain(file);
      expect(readFileSync(path.join(out, file), 'utf8')).toMatch(/Percentile/);
    }
  });

  it('prints the summary with both variants and their comparison', () => {
    expect(outcome.stdout).toContain('http-keepalive');
    expect(outcome.stdout).toContain('ws-persistent');
    expect(outcome.stdout).toMatch(/^ws-persistent vs http-keepalive: .*TTFT/m);
    // Progress and notices belong on stderr, so stdout can be piped.
    expect(outcome.stdout).not.toContain('results: ');
    expect(outcome.stderr).toContain(`results: ${out}`);
  });

  it('--json prints result.json and nothing else on stdout', async () => {
    const dir = path.join(tmp.dir, 'json');
    const o = await runCli(['run', fixture('small.yaml'), '--out', dir, '--json']);
    expect(o.code, explain(o)).toBe(0);
    const printed = JSON.parse(o.stdout);
    expect(printed.schema).toBe('wirebench.result/v1');
    expect(printed).toEqual(readResult(dir));
  });

  it('--quiet prints nothing on stdout', async () => {
    const o = await runCli(['run', fixture('small.yaml'), '--out', path.join(tmp.dir, 'quiet'), '--quiet']);
    expect(o.code, explain(o)).toBe(0);
    expect(o.stdout).toBe('');
    expect(o.stderr).toBe('');
  });

  it('honours --requests and --concurrency over the file', async () => {
    const dir = path.join(tmp.dir, 'overrides');
    const o = await runCli([
      'run',
      fixture('small.yaml'),
      '--out',
      dir,
      '--quiet',
      '--requests',
      '3',
      '--concurrency',
      '2',
    ]);
    expect(o.code, explain(o)).toBe(0);
    const result = readResult(dir);
    for (const v of result.variants) expect(v.counts.requests, v.name).toBe(3);
    for (const v of result.variants) expect(v.counts.warmup, v.name).toBe(2);
    expect(readRequests(dir)).toHaveLength(2 * (3 + 2));
  });
});

describe('wirebench run against an unreachable target', () => {
  it('records every request as a connect error, says why each variant failed and exits 3', async () => {
    const port = await closedPort();
    const dir = path.join(tmp.dir, 'unreachable');
    const o = await runCli(['run', fixture('small.yaml'), '--out', dir, '--target', `http://127.0.0.1:${port}`], {
      timeoutMs: 15_000,
    });
    // A run whose endpoint failed is not a configuration error (2) but must not pass a CI gate either.
    expect(o.code, explain(o)).toBe(3);
    expect(o.stderr).not.toMatch(STACK_FRAME);
    expect(o.stderr).toMatch(/^error: \S+: none of 4 requests succeeded \(connect 4, first: ECONNREFUSED: /m);
    expect(o.stdout).toMatch(/^FAILED \S+: none of 4 requests succeeded$/m);
    expect(o.stdout).toMatch(/^ {2}errors {3}connect 4, first: ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+$/m);
    // With nothing measured, the client's cpu share of a near-empty window is no figure to show.
    expect(o.stdout).not.toMatch(/cpu 100%/);
    const result = readResult(dir);
    expect(result.complete).toBe(true);
    for (const v of result.variants) {
      expect(v.counts.ok, v.name).toBe(0);
      expect(v.counts.requests, v.name).toBe(4);
      expect(v.counts.errors, v.name).toEqual({ connect: v.counts.requests });
      expect(v.first_errors?.connect, v.name).toMatch(/^ECONNREFUSED: /);
    }
    expect(readRequests(dir).every((l) => l.ok === false && l.error?.class === 'connect')).toBe(true);
  });
});

describe('secrets from the environment', () => {
  it('reach neither the result folder nor the terminal', async () => {
    const dir = path.join(tmp.dir, 'secret');
    const o = await runCli(['run', fixture('secret.yaml'), '--out', dir], {
      env: { WB_TEST_KEY: 'sk-test-SECRET123' },
    });
    expect(o.code, explain(o)).toBe(0);
    const result = readResult(dir);
    // The header was accepted by the server: a missing or mangled one would fail the requests.
    for (const v of result.variants) expect(v.counts.ok, v.name).toBe(v.counts.requests);

    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      expect(readFileSync(path.join(dir, file), 'utf8'), file).not.toContain('SECRET123');
    }
    expect(o.stdout).not.toContain('SECRET123');
    expect(o.stderr).not.toContain('SECRET123');
    expect(result.scenario.headers.authorization).toBe('Bearer ${env:WB_TEST_KEY}');
  });
});

describe('Ctrl-C', () => {
  it('stops promptly with exit 130 and writes the partial result', async () => {
    const dir = path.join(tmp.dir, 'interrupted');
    const run = startCli(['run', fixture('long.yaml'), '--out', dir], { timeoutMs: 25_000 });
    const jsonl = path.join(dir, 'requests.jsonl');
    await waitFor(
      () => existsSync(jsonl) && readFileSync(jsonl, 'utf8').split('\n').length > 5,
      15_000,
      'requests.jsonl to fill',
    );
    const sent = Date.now();
    run.child.kill('SIGINT');
    const o = await run.done;
    expect(o.code, explain(o)).toBe(130);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(o.stderr).not.toMatch(STACK_FRAME);
    const result = readResult(dir);
    expect(result.complete).toBe(false);
    expect(result.variants.length).toBeGreaterThan(0);
    expect(result.variants[0].counts.requests).toBeGreaterThan(0);
    // The interrupted run's requests were all written, none lost in the stream's buffer.
    const total = result.variants.reduce(
      (n: number, v: Json) => n + v.counts.requests + v.counts.warmup + (v.counts.interrupted ?? 0),
      0,
    );
    expect(readRequests(dir)).toHaveLength(total);
  });

  it('cuts in-flight requests short 5 s after Ctrl-C and counts them as interrupted, not as failures', async () => {
    const dir = path.join(tmp.dir, 'interrupted-stuck');
    // A server of the test's own, so the signal goes out once both users' first requests (a minute
    // each) have reached it, not after a guess at how long a loaded machine takes to start one.
    const server = await startServer({ ttftMs: 60_000, tps: 2000, outputTokens: 5 });
    const scenario = path.join(tmp.dir, 'stuck.yaml');
    const text = readFileSync(fixture('stuck.yaml'), 'utf8')
      .replace('target: embedded', `target: ${server.url}`)
      .replace(/^server:.*\n/m, '');
    writeFileSync(scenario, text);
    const run = startCli(['run', scenario, '--out', dir], { timeoutMs: 30_000 });
    const { o, waited } = await (async () => {
      await waitFor(() => server.stats().wsTurns >= 2, 20_000, 'both requests to reach the server');
      const signalled = Date.now();
      run.child.kill('SIGINT');
      const o = await run.done;
      return { o, waited: Date.now() - signalled };
    })().finally(() => server.close());
    expect(o.code, explain(o)).toBe(130);
    expect(waited).toBeGreaterThanOrEqual(4500);
    expect(waited).toBeLessThan(12_000);
    const result = readResult(dir);
    expect(result.complete).toBe(false);
    expect(result.variants[0].counts).toMatchObject({ requests: 0, ok: 0, errors: {}, interrupted: 2 });
    const lines = readRequests(dir);
    expect(lines.map((l: Json) => l.error?.class)).toEqual(['interrupted', 'interrupted']);
  });

  // A terminal delivers Ctrl-C to the whole foreground process group. The embedded server runs in a
  // group of its own, so it keeps serving the in-flight requests the client finishes; had it stopped,
  // the partial result would carry `reset` errors the endpoint never caused.
  it('from a terminal finishes in-flight requests instead of counting them as resets', async () => {
    const dir = path.join(tmp.dir, 'interrupted-group');
    const run = startCli(['run', fixture('long.yaml'), '--out', dir], { timeoutMs: 25_000, detached: true });
    const jsonl = path.join(dir, 'requests.jsonl');
    await waitFor(
      () => existsSync(jsonl) && readFileSync(jsonl, 'utf8').split('\n').length > 5,
      15_000,
      'requests.jsonl to fill',
    );
    process.kill(-run.child.pid!, 'SIGINT');
    const o = await run.done;
    expect(o.code, explain(o)).toBe(130);
    const result = readResult(dir);
    expect(result.complete).toBe(false);
    for (const v of result.variants) expect(v.counts.errors, v.name).toEqual({});
  });
});
