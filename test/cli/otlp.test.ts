import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { expectCounts, histogramOf, resourceOf, startReceiver } from '../output/otlp-receiver.js';
import {
  assertBuilt,
  closedPort,
  explain,
  type Json,
  type Outcome,
  readResult,
  runCli,
  STACK_FRAME,
  tempDir,
} from './helpers.js';

const tmp = tempDir();
beforeAll(assertBuilt);
afterAll(tmp.cleanup);

// Faults, when there are requests enough for them not to fail the run: the errors by class must come out
// as result.json counts them.
const FAULTS = ', faults: { http-500: 0.1, mid-stream-error: 0.1 }';
const scenario = (name: string, requests: number): string => `name: ${name}
target: embedded
server: { ttft_ms: 5, tps: 2000, output_tokens: 12, seed: 2${requests >= 30 ? FAULTS : ''} }
request: { model: wirebench-ref, prompt_tokens: 16, max_output_tokens: 12 }
variants:
  - { name: http-keepalive, protocol: openai-responses, connection: http-keepalive }
  - { name: ws-persistent, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 2, requests: ${requests}, warmup: 2 }
`;

async function runWith(
  name: string,
  spec: string,
  requests: number,
  env: Record<string, string> = {},
): Promise<{ o: Outcome; dir: string }> {
  const file = path.join(tmp.dir, `${name}.yaml`);
  writeFileSync(file, scenario(name, requests));
  const dir = path.join(tmp.dir, name);
  const o = await runCli(['run', file, '--out', dir, '--out', spec, '--quiet'], { timeoutMs: 60_000, env });
  return { o, dir };
}

describe('run --out otlp=URL', () => {
  it('pushes the figures result.json has to the receiver', async () => {
    const receiver = await startReceiver();
    try {
      // No path: the exporter posts to /v1/metrics, which is all the receiver takes. The exporter's
      // standard variables apply: a key for the receiver, compression.
      const env = { OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=otlp-test-key', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' };
      const { o, dir } = await runWith('pushed', `otlp=${receiver.url}`, 30, env);
      expect(o.code, explain(o)).toBe(0);
      expect(o.stderr).toBe('');
      expect(receiver.rejected).toEqual([]);
      expect(receiver.headers['x-api-key']).toBe('otlp-test-key');
      expect(receiver.headers['content-encoding']).toBe('gzip');
      const e = receiver.exports.at(-1)!;
      const result = readResult(dir);
      expect(resourceOf(e)).toMatchObject({
        'service.name': 'wirebench',
        'wirebench.scenario': 'pushed',
        'wirebench.run': 'pushed',
      });
      for (const v of result.variants as Json[]) {
        expectCounts(e, v);
        const e2e = histogramOf(e, 'wirebench_e2e_seconds', v.name)!;
        expect(e2e.count).toBe(v.metrics.e2e_ms.count);
        // result.json's mean is from the HDR histogram (0.1% precision); the sum is exact.
        expect(Math.abs((e2e.sum * 1000) / e2e.count / v.metrics.e2e_ms.mean - 1)).toBeLessThan(0.002);
      }
      expect((result.variants as Json[]).some((v) => Object.keys(v.counts.errors).length > 0)).toBe(true);
    } finally {
      await receiver.close();
    }
  }, 60_000);

  it.each([
    ['answers 500', 'failing', async () => startReceiver(500), 'the final export failed (HTTP 500)'],
    [
      'refuses the connection',
      'refused',
      async () => ({ url: `http://127.0.0.1:${await closedPort()}`, close: async () => {} }),
      'the final export failed (ECONNREFUSED)',
    ],
  ])(
    'warns when the receiver %s and exits 0 with the result',
    async (_, name, receive, message) => {
      const receiver = await receive();
      try {
        const { o, dir } = await runWith(name, `otlp=${receiver.url}`, 6);
        expect(o.code, explain(o)).toBe(0);
        expect(o.stderr).toContain(`warning: output otlp=${receiver.url}: ${message}`);
        expect(o.stderr).not.toMatch(STACK_FRAME);
        expect(readResult(dir).complete).toBe(true);
      } finally {
        await receiver.close();
      }
    },
    60_000,
  );

  it.each([
    ['otlp=', 'otlp= needs a target: otlp=URL'],
    ['otlp=localhost:4318', 'otlp=localhost:4318: expected an http:// or https:// URL'],
    ['otlp=grpc://127.0.0.1:4317', 'otlp=grpc://127.0.0.1:4317: expected an http:// or https:// URL'],
  ])('refuses --out %s as a usage error', async (spec, message) => {
    const file = path.join(tmp.dir, 'usage.yaml');
    writeFileSync(file, scenario('usage', 2));
    const o = await runCli(['run', file, '--out', path.join(tmp.dir, 'usage'), '--out', spec]);
    expect(o.code, explain(o)).toBe(2);
    expect(o.stderr).toContain(`--out ${message}`);
    expect(o.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(path.join(tmp.dir, 'usage'))).toBe(false);
  });

  it('is listed in the help', async () => {
    const o = await runCli(['run', '--help']);
    expect(o.code, explain(o)).toBe(0);
    expect(o.stdout.replace(/\s+/g, ' ')).toContain('csv=FILE, json=FILE, prometheus=HOST:PORT, otlp=URL');
  });
});
