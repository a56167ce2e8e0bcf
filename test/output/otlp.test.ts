import { createServer } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { OtlpOutput, otlpUrl } from '../../src/output/otlp.js';
import { BUCKETS, COUNTERS, histogramName } from '../../src/output/series.js';
import { countedAs } from '../../src/result/requests/counted.js';
import type { RequestLine } from '../../src/result/requests/line.js';
import { assertBuilt, closedPort, type Json, runScenarioText, tempDir, waitFor } from '../cli/helpers.js';
import {
  counterValue,
  expectCounts,
  histogramOf,
  type MetricsExport,
  type Receiver,
  resourceOf,
  startReceiver,
  unitOf,
} from './otlp-receiver.js';

const tmp = tempDir();
let run: { result: Json; lines: RequestLine[] };
const LABEL = { scenario: 'otlp-figures', run: '20261206T000000Z-otlp-figures' };

// Faults on purpose: the errors by class must come out as the result counts them.
const SCENARIO = `name: otlp-figures
target: embedded
server: { ttft_ms: 2, tps: 4000, output_tokens: 12, seed: 3, faults: { http-500: 0.15, mid-stream-error: 0.15 } }
request: { model: wirebench-ref, prompt_tokens: 16, max_output_tokens: 12 }
variants:
  - { name: http-keepalive, protocol: openai-responses, connection: http-keepalive }
  - { name: ws-persistent, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 2, requests: 60, warmup: 2 }
`;

beforeAll(async () => {
  assertBuilt();
  run = await runScenarioText<RequestLine>(tmp.dir, 'otlp', SCENARIO);
}, 60_000);
afterAll(tmp.cleanup);

/** The lines a run's output would have been fed, and its end; `between` runs half-way. */
async function feed(out: OtlpOutput, between: () => Promise<void> = async () => {}): Promise<void> {
  await out.start(LABEL);
  const half = Math.floor(run.lines.length / 2);
  for (const l of run.lines.slice(0, half)) out.request(l);
  await between();
  for (const l of run.lines.slice(half)) out.request(l);
  await out.end();
}

/** Seconds from a line's intended start to its `phase`, as the run's histograms count them. */
const since = (l: RequestLine, phase: string): number => (l.start_ms + l.phases[phase] - l.intended_ms) / 1000;

function checkTotals(e: MetricsExport): void {
  for (const v of run.result.variants as Json[]) {
    expectCounts(e, v);
    expect(counterValue(e, COUNTERS.input.name, { variant: v.name as string })).toBe(v.tokens.input);
    for (const m of ['ttft_ms', 'e2e_ms', 'ttfb_ms', 'overhead_ms', 'tpot_ms'] as const)
      expect(histogramOf(e, histogramName(m), v.name)?.count, m).toBe(v.metrics[m]?.count);
    // The sums are the requests' own latencies, in seconds, to float precision.
    const ok = run.lines.filter((l) => l.variant === v.name && countedAs(l) === 'ok');
    for (const [m, phase] of [
      ['e2e_ms', 'doneAt'],
      ['ttft_ms', 'firstDelta'],
    ] as const) {
      const h = histogramOf(e, histogramName(m), v.name)!;
      const want = ok.reduce((s, l) => s + since(l, phase), 0);
      expect(h.sum, m).toBeCloseTo(want, 9);
      expect(h.bounds).toEqual(BUCKETS);
      expect(h.counts.reduce((a, b) => a + b, 0)).toBe(ok.length);
    }
  }
}

describe('OtlpOutput', () => {
  let receiver: Receiver;
  afterAll(() => receiver?.close());

  it('pushes the run’s counters and histograms while it lasts, and its totals at the end', async () => {
    receiver = await startReceiver();
    const out = new OtlpOutput(otlpUrl(receiver.url)!, 100);
    // Half the requests in: a periodic export carries them before the run ends.
    await feed(out, () => waitFor(() => receiver.exports.length > 0, 5000, 'a periodic export'));
    expect(receiver.rejected).toEqual([]);
    const first = receiver.exports[0];
    const last = receiver.exports.at(-1)!;
    expect(receiver.exports.length).toBeGreaterThan(1);
    // The periodic export had part of the requests, the final one all of them.
    const requests = (e: MetricsExport): number =>
      (run.result.variants as Json[]).reduce(
        (n, v) => n + (counterValue(e, COUNTERS.requests.name, { variant: v.name as string }) ?? 0),
        0,
      );
    expect(requests(first)).toBeGreaterThan(0);
    expect(requests(first)).toBeLessThan(requests(last));
    checkTotals(last);
    expect(resourceOf(last)).toMatchObject({
      'service.name': 'wirebench',
      'wirebench.scenario': LABEL.scenario,
      'wirebench.run': LABEL.run,
    });
    expect(unitOf(last, 'wirebench_e2e_seconds')).toBe('s');
    expect(unitOf(last, COUNTERS.requests.name)).toBe('{request}');
    // The faults did fail some requests, or the error counters above checked nothing.
    expect((run.result.variants as Json[]).some((v) => Object.keys(v.counts.errors).length > 0)).toBe(true);
  }, 20_000);

  it('says that a receiver answering 500 lacks the final figures', async () => {
    const failing = await startReceiver(500);
    try {
      await expect(feed(new OtlpOutput(otlpUrl(failing.url)!, 60_000))).rejects.toThrow(
        /^the final export failed \(HTTP 500\): the receiver lacks the run's last figures \(1 of 1 exports failed\)$/,
      );
      // It did send them: the receiver refused.
      checkTotals(failing.exports.at(-1)!);
    } finally {
      await failing.close();
    }
  });

  it('says that earlier exports failed when the final one arrived', async () => {
    const flaky = await startReceiver(500);
    try {
      const ended = feed(new OtlpOutput(otlpUrl(flaky.url)!, 100), async () => {
        await waitFor(() => flaky.exports.length > 0, 5000, 'a refused export');
        flaky.status = 200;
      });
      await expect(ended).rejects.toThrow(
        /^\d+ of \d+ exports failed \(last: HTTP 500\); the final one arrived, with the run's totals$/,
      );
    } finally {
      await flaky.close();
    }
    checkTotals(flaky.exports.at(-1)!);
  });

  it('gives up on a refused connection within its bound', async () => {
    const port = await closedPort();
    const began = Date.now();
    await expect(feed(new OtlpOutput(`http://127.0.0.1:${port}/v1/metrics`, 60_000))).rejects.toThrow(
      /^the final export failed \(ECONNREFUSED\)/,
    );
    // Retried within the export's 3 s, then given up.
    expect(Date.now() - began).toBeLessThan(5000);
  }, 10_000);

  it('gives up on a receiver that never answers within its bound', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const began = Date.now();
    try {
      await expect(feed(new OtlpOutput(`http://127.0.0.1:${port}/v1/metrics`, 60_000))).rejects.toThrow(
        /^the final export failed \(Request timed out\)/,
      );
      expect(Date.now() - began).toBeLessThan(5000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 10_000);
});

describe('otlpUrl', () => {
  it('posts to /v1/metrics unless the URL names a path', () => {
    expect(otlpUrl('http://127.0.0.1:4318')).toBe('http://127.0.0.1:4318/v1/metrics');
    expect(otlpUrl('https://otel.example/')).toBe('https://otel.example/v1/metrics');
    expect(otlpUrl('http://h:4318/custom/metrics')).toBe('http://h:4318/custom/metrics');
  });

  it('takes http and https URLs only', () => {
    for (const bad of ['localhost:4318', 'ftp://h/x', 'grpc://h:4317', '127.0.0.1', ''])
      expect(otlpUrl(bad), bad).toBeUndefined();
  });
});
