import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeHistogram } from '../../src/metrics/histogram.js';
import type { MetricSummary, Result, VariantResult } from '../../src/result/result.js';
import { assertBuilt, explain, readResult, runCli, STACK_FRAME, tempDir } from './helpers.js';

/**
 * `run --definitions`: the other tools' metrics beside wirebench's own, on the reference server. Every
 * answer has exactly 24 tokens (usage), so GuideLLM's token weights are all equal and its weighted
 * percentiles are the plain ones; the prefill (ttft_ms 30) keeps the chat role chunk well ahead of the
 * first token.
 */
const { dir, cleanup } = tempDir();
const file = path.join(dir, 'definitions.yaml');
beforeAll(() => {
  assertBuilt();
  writeFileSync(
    file,
    `name: definitions
target: embedded
server: { ttft_ms: 30, tps: 1000, output_tokens: 24, seed: 1 }
request: { prompt_tokens: 8, max_output_tokens: 24 }
variants:
  - { name: resp, protocol: openai-responses, connection: http-keepalive }
  - { name: chat, protocol: openai-chat, connection: http-keepalive }
load: { kind: closed, concurrency: 2, requests: 16, warmup: 2 }
`,
  );
});
afterAll(cleanup);

const def = (v: VariantResult, d: 'vllm' | 'aiperf' | 'guidellm', m: string): MetricSummary => {
  const s = (v.definitions?.[d] as Record<string, MetricSummary> | undefined)?.[m];
  if (s === undefined) throw new Error(`${v.name}: no ${d}.${m}`);
  return s;
};
const own = (v: VariantResult, m: keyof VariantResult['metrics']): MetricSummary => v.metrics[m]!;

describe('run --definitions', () => {
  const out = path.join(dir, 'run');
  let result: Result;
  let stdout = '';

  beforeAll(async () => {
    // Comma-separated and repeated: both add to the list.
    const o = await runCli(['run', file, '--definitions', 'vllm,aiperf', '--definitions', 'guidellm', '--out', out], {
      timeoutMs: 60_000,
    });
    expect(o.code, explain(o)).toBe(0);
    stdout = o.stdout;
    result = readResult<Result>(out);
  });

  it('writes a definitions block per variant, in the order asked, and records the flag', () => {
    expect(result.overrides).toMatchObject({ definitions: ['vllm', 'aiperf', 'guidellm'] });
    for (const v of result.variants) {
      expect(v.counts.ok).toBe(16);
      expect(Object.keys(v.definitions ?? {})).toEqual(['vllm', 'aiperf', 'guidellm']);
      expect(Object.keys(v.definitions!.aiperf!)).toEqual([
        'ttft_ms',
        'itl_ms',
        'icl_ms',
        'request_latency_ms',
        'output_tps_per_user',
      ]);
    }
  });

  it('agrees with wirebench where the README says the definitions are the same', () => {
    for (const v of result.variants) {
      // AIPerf's ICL is wirebench's ITL sample for sample; the same histogram.
      expect(def(v, 'aiperf', 'icl_ms').hdr).toBe(own(v, 'itl_ms').hdr);
      // Closed loop: request start is the actual send for every tool, so TTFT to the first token is the same.
      expect(def(v, 'aiperf', 'ttft_ms').p50).toBe(own(v, 'ttft_ms').p50);
      expect(def(v, 'guidellm', 'ttft_ms').p50).toBe(own(v, 'ttft_ms').p50);
      // AIPerf's ITL is wirebench's TPOT per request, except that a request whose tokens all came in one
      // read has ITL 0 there and no TPOT here: TPOT's histogram plus those zeros is AIPerf's, exactly.
      const tpot = decodeHistogram(own(v, 'tpot_ms').hdr);
      tpot.recordValueWithCount(0, v.counts.ok - tpot.totalCount);
      const aiperf = decodeHistogram(def(v, 'aiperf', 'itl_ms').hdr);
      expect(aiperf.totalCount).toBe(v.counts.ok);
      for (const p of [0, 25, 50, 90, 99, 100])
        expect(aiperf.getValueAtPercentile(p)).toBe(tpot.getValueAtPercentile(p));
      // GuideLLM's ITL is the same per request, weighted by 23 (24 tokens each): the same percentiles.
      expect(def(v, 'guidellm', 'itl_ms').count).toBe(16 * 23);
      for (const p of ['p50', 'p99'] as const)
        expect(def(v, 'guidellm', 'itl_ms')[p]).toBe(def(v, 'aiperf', 'itl_ms')[p]);
      expect(def(v, 'guidellm', 'request_latency_ms').p50).toBe(own(v, 'e2e_ms').p50);
    }
    const [resp] = result.variants;
    // Responses has no choice chunks: vLLM's ITL is wirebench's ITL, the same histogram.
    expect(def(resp, 'vllm', 'itl_ms').hdr).toBe(own(resp, 'itl_ms').hdr);
    expect(def(resp, 'vllm', 'ttft_ms').p50).toBe(own(resp, 'ttft_ms').p50);
  });

  it("ends vLLM's chat TTFT at the role chunk and adds its role and finish gaps to ITL", () => {
    const chat = result.variants[1];
    // The role chunk is the ack: vLLM's TTFT is wirebench's overhead, well before the first token.
    expect(def(chat, 'vllm', 'ttft_ms').p50).toBe(own(chat, 'overhead_ms').p50);
    expect(def(chat, 'vllm', 'ttft_ms').p50).toBeLessThan(own(chat, 'ttft_ms').p50 - 20);
    // Two more gaps per request (role -> first token, last token -> finish), the median barely moved.
    expect(def(chat, 'vllm', 'itl_ms').count).toBe(own(chat, 'itl_ms').count + 2 * 16);
    const p50 = own(chat, 'itl_ms').p50;
    expect(Math.abs(def(chat, 'vllm', 'itl_ms').p50 - p50)).toBeLessThanOrEqual(0.1);
    // Its end is the finish_reason chunk, which comes with [DONE]: wirebench's E2E.
    expect(def(chat, 'vllm', 'e2el_ms').p50).toBe(own(chat, 'e2e_ms').p50);
  });

  it('shows a block per variant in the terminal and a table per variant in the reports', () => {
    for (const label of [
      'vllm TTFT ms',
      'vllm TPOT ms',
      'aiperf ICL ms',
      'guidellm ITL ms',
      'aiperf output TPS/user tok/s',
    ])
      expect(stdout).toContain(label);
    // The block's header names the statistics the tools print.
    expect(stdout).toMatch(/^\s+mean\s+p50\s+p99$/m);
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain("### resp: other tools' definitions");
    expect(md).toContain("### chat: other tools' definitions");
    expect(md).toMatch(/\| guidellm TPOT ms \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('id="definitions"');
    expect(html).toContain('<td>vllm E2EL ms</td>');
  });

  it("adds the workers' definitions exactly", async () => {
    const two = path.join(dir, 'workers');
    const o = await runCli(['run', file, '--definitions', 'aiperf', '--workers', '2', '--out', two, '--quiet'], {
      timeoutMs: 60_000,
    });
    expect(o.code, explain(o)).toBe(0);
    for (const v of readResult<Result>(two).variants) {
      expect(Object.keys(v.definitions ?? {})).toEqual(['aiperf']);
      expect(def(v, 'aiperf', 'ttft_ms').count).toBe(v.counts.ok);
      expect(def(v, 'aiperf', 'icl_ms').hdr).toBe(own(v, 'itl_ms').hdr);
    }
  });

  it('refuses an unknown definition, naming it, with exit 2', async () => {
    const o = await runCli(['run', file, '--definitions', 'vllm,lmperf', '--out', path.join(dir, 'bad')]);
    expect(o.code, explain(o)).toBe(2);
    expect(o.stderr).toContain('--definitions: expected one of vllm | aiperf | guidellm, got "lmperf"');
    expect(o.stderr).not.toMatch(STACK_FRAME);
    const inFile = path.join(dir, 'bad.yaml');
    writeFileSync(inFile, `${readFileSync(file, 'utf8')}definitions: [aiperf, genai-perf]\n`);
    const f = await runCli(['run', inFile, '--out', path.join(dir, 'bad2')]);
    expect(f.code, explain(f)).toBe(2);
    expect(f.stderr).toContain('definitions[1]: expected one of vllm | aiperf | guidellm, got "genai-perf"');
  });
});
