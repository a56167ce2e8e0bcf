import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { type RunningServer, startServer } from '../../src/server/index.js';
import {
  assertBuilt,
  explain,
  type Json,
  readRequests,
  readResult,
  runCli,
  STACK_FRAME,
  startCli,
  tempDir,
  waitFor,
} from './helpers.js';

const tmp = tempDir();
const GOOD = 'sk-record-good-0123456789abcdef';
const BAD = 'sk-record-bad-fedcba9876543210';

/** Answers like an OpenAI endpoint that checks keys: a wrong one is echoed in the error, as OpenAI's is. */
let echo: Server;
let echoUrl: string;
let server: RunningServer;
beforeAll(async () => {
  assertBuilt();
  server = await startServer({ ttftMs: 10, tps: 5000, outputTokens: 12 });
  echo = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}.`, code: 'invalid_api_key' } }));
    });
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await server.close();
  await new Promise((r) => echo.close(r));
  tmp.cleanup();
});

/** Starts `wirebench record` in front of `target` and waits for the address it listens on. */
async function recorder(target: string, out: string) {
  const run = startCli(['record', '--target', target, '--out', out], { timeoutMs: 30_000 });
  await waitFor(() => /^listening /m.test(run.stdout()), 15_000, 'the listening line');
  const url = /^listening (\S+)$/m.exec(run.stdout())![1];
  return { run, url };
}

const streamBody = JSON.stringify({ model: 'm', input: 'hi', max_output_tokens: 12, stream: true });

describe('wirebench record', () => {
  it('times a real client’s HTTP and WebSocket exchanges and writes a result folder on Ctrl-C', async () => {
    const out = path.join(tmp.dir, 'recorded');
    const { run, url } = await recorder(server.url, out);
    for (let i = 0; i < 3; i++) {
      const res = await request(`${url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${GOOD}` },
        body: streamBody,
      });
      await res.body.text();
    }
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/responses`, {
      headers: { authorization: `Bearer ${GOOD}` },
    });
    await new Promise((r) => ws.once('open', r));
    for (let i = 0; i < 2; i++) {
      await new Promise<void>((resolve) => {
        const onMessage = (d: Buffer): void => {
          if (!d.includes('"response.completed"')) return;
          ws.off('message', onMessage);
          resolve();
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ type: 'response.create', model: 'm', input: 'hi', max_output_tokens: 12 }));
      });
    }
    ws.close();
    run.child.kill('SIGINT');
    const o = await run.done;
    expect(o.code, explain(o)).toBe(0);
    expect(o.stderr).not.toMatch(STACK_FRAME);
    const result = readResult(out);
    expect(result.load).toMatchObject({ kind: 'recorded', timed: 5, untimed: 0 });
    const byName = Object.fromEntries(result.variants.map((v: Json) => [v.name, v]));
    expect(byName['openai-responses-http'].counts).toMatchObject({ requests: 3, ok: 3 });
    expect(byName['openai-responses-ws'].counts).toMatchObject({ requests: 2, ok: 2 });
    for (const v of result.variants) {
      expect(v.metrics.ttft_ms.p50, v.name).toBeGreaterThanOrEqual(10);
      // What the proxy itself costs is reported beside what it measured.
      expect(v.metrics.proxy_delay_ms.count, v.name).toBeGreaterThan(0);
    }
    expect(readRequests(out)).toHaveLength(5);
    expect(o.stdout).toContain('recorded by wirebench record through');
    expect(o.stdout).toContain('proxy delay ms');
  });

  it('never writes a key the client sent, not even one the endpoint echoed back', async () => {
    const out = path.join(tmp.dir, 'secrets');
    const { run, url } = await recorder(echoUrl, out);
    for (const key of [GOOD, BAD]) {
      const res = await request(`${url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: streamBody,
      });
      // The client itself gets the endpoint's answer unchanged, key and all.
      expect(await res.body.text()).toContain(key);
    }
    run.child.kill('SIGINT');
    const o = await run.done;
    expect(o.code, explain(o)).toBe(0);
    const result = readResult(out);
    expect(result.variants[0].counts).toMatchObject({ requests: 2, ok: 0 });
    const lines = readRequests(out);
    expect(lines.map((l: Json) => l.error?.message)).toEqual([
      expect.stringContaining('[redacted]'),
      expect.stringContaining('[redacted]'),
    ]);
    for (const file of readdirSync(out)) {
      const text = readFileSync(path.join(out, file), 'utf8');
      for (const key of [GOOD, BAD]) expect(text, file).not.toContain(key.slice(0, 12));
    }
    for (const key of [GOOD, BAD]) {
      expect(o.stdout).not.toContain(key.slice(0, 12));
      expect(o.stderr).not.toContain(key.slice(0, 12));
    }
  });

  it('refuses a target that is not an http(s) URL, exit 2, one line', async () => {
    const o = await runCli(['record', '--target', 'ftp://x']);
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/--target: expected an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"/);
    expect(o.stderr).not.toMatch(STACK_FRAME);
  });
});
