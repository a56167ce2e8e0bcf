import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PromFigures } from '../../src/output/prom-metrics.js';
import { histogramName } from '../../src/output/series.js';
import { assertBuilt, type Json, runScenarioText, tempDir } from '../cli/helpers.js';
import { counter, histogramCount, parseExposition } from './prom.js';

const tmp = tempDir();
beforeAll(assertBuilt);
afterAll(tmp.cleanup);

// Faults on purpose: the errors by class must come out as the result counts them.
const SCENARIO = `name: prom-figures
target: embedded
server: { ttft_ms: 2, tps: 4000, output_tokens: 12, seed: 3, faults: { http-500: 0.15, mid-stream-error: 0.15 } }
request: { model: wirebench-ref, prompt_tokens: 16, max_output_tokens: 12 }
variants:
  - { name: http-keepalive, protocol: openai-responses, connection: http-keepalive }
  - { name: ws-persistent, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 2, requests: 60, warmup: 2 }
`;

describe('PromFigures', () => {
  it('counts a real run as its result.json does, and exposes it in the text format', async () => {
    const { result, lines } = await runScenarioText(tmp.dir, 'prom', SCENARIO);
    const figures = new PromFigures();
    for (const l of lines) figures.add(l);
    const s = parseExposition(figures.render());
    for (const v of result.variants as Json[]) {
      const variant = { variant: v.name as string };
      expect(counter(s, 'wirebench_requests_total', variant)).toBe(v.counts.requests);
      expect(counter(s, 'wirebench_requests_ok_total', variant)).toBe(v.counts.ok);
      for (const [cls, n] of Object.entries(v.counts.errors))
        expect(counter(s, 'wirebench_request_errors_total', { ...variant, class: cls })).toBe(n);
      expect(counter(s, 'wirebench_output_tokens_total', variant)).toBe(v.tokens.output);
      expect(counter(s, 'wirebench_input_tokens_total', variant)).toBe(v.tokens.input);
      for (const m of ['ttft_ms', 'e2e_ms', 'ttfb_ms', 'overhead_ms', 'tpot_ms'] as const)
        expect(histogramCount(s, histogramName(m), v.name), m).toBe(v.metrics[m]?.count);
    }
    // The faults did fail some requests, or the error counters above checked nothing.
    expect((result.variants as Json[]).some((v) => Object.keys(v.counts.errors).length > 0)).toBe(true);
  }, 60_000);
});
