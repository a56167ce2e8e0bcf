import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LINE_COLUMNS, lineCells } from '../../src/result/requests/columns.js';
import type { RequestLine } from '../../src/result/requests/line.js';
import { counter, histogramCount, type Scrape, scrape } from '../output/prom.js';
import {
  assertBuilt,
  closedPort,
  explain,
  type Json,
  readRequests,
  readResult,
  runCli,
  runScenarioText,
  STACK_FRAME,
  startCli,
  tempDir,
} from './helpers.js';

const tmp = tempDir();
beforeAll(assertBuilt);
afterAll(tmp.cleanup);

const scenario = (name: string, requests: number, extra = ''): string => `name: ${name}
target: embedded
server: { ttft_ms: 5, tps: 2000, output_tokens: 12, seed: 2, faults: { http-500: 0.1, mid-stream-error: 0.1 } }
request: { model: wirebench-ref, prompt_tokens: 16, max_output_tokens: 12 }
variants:
  - { name: http-keepalive, protocol: openai-responses, connection: http-keepalive }
  - { name: ws-persistent, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 2, requests: ${requests}, warmup: 2 }
${extra}`;

/** A CSV row as the csv output must have written the line: its cells as text, absent ones empty. */
const asRow = (l: RequestLine): string[] => lineCells(l).map((c) => (c === undefined ? '' : String(c)));

function checkFiles(dir: string, csv: string, json: string): void {
  const jsonl = readFileSync(path.join(dir, 'requests.jsonl'), 'utf8');
  expect(readFileSync(json, 'utf8')).toBe(jsonl);
  const lines = readRequests<RequestLine>(dir);
  const rows = parse(readFileSync(csv, 'utf8'));
  expect(rows[0]).toEqual(LINE_COLUMNS);
  expect(rows.slice(1)).toEqual(lines.map(asRow));
  // Failures among them, so messages with commas and quotes went through the quoting.
  expect(lines.some((l) => !l.ok)).toBe(true);
  // Finished atomically: no temporary file left beside them.
  expect(readdirSync(path.dirname(csv)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
}

describe('run --out KIND=TARGET', () => {
  it('writes csv and json that agree with requests.jsonl row for row', async () => {
    const csv = path.join(tmp.dir, 'files.csv');
    const json = path.join(tmp.dir, 'files.jsonl');
    await runScenarioText(tmp.dir, 'files', scenario('files', 40), 60_000, [
      `--out=csv=${csv}`,
      '--out',
      `json=${json}`,
    ]);
    checkFiles(path.join(tmp.dir, 'files'), csv, json);
  }, 60_000);

  it('gets every worker thread’s lines', async () => {
    const csv = path.join(tmp.dir, 'workers.csv');
    const json = path.join(tmp.dir, 'workers.jsonl');
    await runScenarioText(tmp.dir, 'workers', scenario('workers', 40, 'workers: 2'), 60_000, [
      '--out',
      `csv=${csv}`,
      '--out',
      `json=${json}`,
    ]);
    checkFiles(path.join(tmp.dir, 'workers'), csv, json);
  }, 60_000);

  it('serves /metrics during the run and closes it when the run ends', async () => {
    const port = await closedPort();
    const file = path.join(tmp.dir, 'live.yaml');
    writeFileSync(file, scenario('live', 200).replace('ttft_ms: 5', 'ttft_ms: 20'));
    const dir = path.join(tmp.dir, 'live');
    const child = startCli(['run', file, '--out', dir, '--out', `prometheus=127.0.0.1:${port}`, '--quiet'], {
      timeoutMs: 90_000,
    });
    const scrapes: Scrape[] = [];
    let exited = false;
    void child.done.then(() => (exited = true));
    // Scrapes until a measured request has been counted: the endpoint is live while requests run.
    while (!exited) {
      const s = await scrape(port).catch(() => undefined);
      if (s !== undefined) scrapes.push(s);
      if (s !== undefined && counter(s, 'wirebench_requests_total', { variant: 'http-keepalive' }) > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const o = await child.done;
    expect(o.code, explain(o)).toBe(0);
    expect(scrapes.length).toBeGreaterThan(0);
    const result = readResult(dir);
    const s = scrapes.at(-1)!;
    for (const v of result.variants as Json[]) {
      const variant = { variant: v.name as string };
      const requests = counter(s, 'wirebench_requests_total', variant);
      const ok = counter(s, 'wirebench_requests_ok_total', variant);
      const failed = Object.keys(v.counts.errors).reduce(
        (n, cls) => n + counter(s, 'wirebench_request_errors_total', { ...variant, class: cls }),
        0,
      );
      // Mid-run, so a part of the result: consistent in itself, never beyond the end.
      expect(requests).toBe(ok + failed);
      expect(requests).toBeLessThanOrEqual(v.counts.requests);
      expect(ok).toBeLessThanOrEqual(v.counts.ok);
      expect(histogramCount(s, 'wirebench_e2e_seconds', v.name) ?? 0).toBe(ok);
    }
    expect(counter(s, 'wirebench_requests_total', { variant: 'http-keepalive' })).toBeGreaterThan(0);
    await expect(scrape(port)).rejects.toThrow();
  }, 90_000);

  it('warns about an output that fails and runs on to exit 0', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const file = path.join(tmp.dir, 'failing.yaml');
      writeFileSync(file, scenario('failing', 10));
      const dir = path.join(tmp.dir, 'failing');
      const csv = path.join(tmp.dir, 'no-such-folder', 'rows.csv');
      const json = path.join(tmp.dir, 'failing.jsonl');
      const o = await runCli(
        [
          'run',
          file,
          '--out',
          dir,
          '--out',
          `prometheus=127.0.0.1:${port}`,
          '--out',
          `csv=${csv}`,
          '--out',
          `json=${json}`,
          '--quiet',
        ],
        { timeoutMs: 60_000 },
      );
      expect(o.code, explain(o)).toBe(0);
      expect(o.stderr).toContain(
        `warning: output prometheus=127.0.0.1:${port}: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`,
      );
      expect(o.stderr).toContain(`warning: output csv=${csv}: cannot write ${csv} (ENOENT)`);
      expect(o.stderr).not.toMatch(STACK_FRAME);
      // The outputs that could start still did their part.
      expect(readFileSync(json, 'utf8')).toBe(readFileSync(path.join(dir, 'requests.jsonl'), 'utf8'));
      expect(existsSync(path.dirname(csv))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  }, 60_000);

  it.each([
    ['influx=http://x', 'unknown output kind "influx"'],
    ['csv=', 'csv= needs a target: csv=FILE'],
    ['prometheus=localhost', 'prometheus=localhost: expected HOST:PORT'],
    ['prometheus=127.0.0.1:99999', 'expected HOST:PORT'],
  ])('refuses --out %s as a usage error', async (spec, message) => {
    const file = path.join(tmp.dir, 'usage.yaml');
    writeFileSync(file, scenario('usage', 2));
    const o = await runCli(['run', file, '--out', path.join(tmp.dir, 'usage'), '--out', spec]);
    expect(o.code, explain(o)).toBe(2);
    expect(o.stderr).toContain('--out');
    expect(o.stderr).toContain(message);
    expect(o.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(path.join(tmp.dir, 'usage'))).toBe(false);
  });

  it('takes one result folder', async () => {
    const o = await runCli(['run', path.join(tmp.dir, 'usage.yaml'), '--out', 'a', '--out', 'b']);
    expect(o.code, explain(o)).toBe(2);
    expect(o.stderr).toContain('--out names one result folder (got a and b)');
  });
});
