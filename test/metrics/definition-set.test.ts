import { describe, expect, it } from 'vitest';

import { DefinitionSet } from '../../src/metrics/definition-set.js';
import { outputTokens } from '../../src/metrics/request-metrics.js';
import { Timeline } from '../../src/metrics/timeline.js';

const MS = 1e6;

/**
 * A chat-like request on a made-up clock (ms from `at`): role chunk (ack, no text) at +10, an empty
 * delta at +30, `chunks` text chunks from +50 every `gap` ms, done 4 ms after the last.
 */
function request(at: number, chunks: number, gap: number, usage?: number): Timeline {
  const start = at * MS;
  const tl = new Timeline(start, start);
  tl.ack(start + 10 * MS);
  tl.delta(start + 30 * MS, 'text', '', undefined);
  for (let k = 0; k < chunks; k++) tl.delta(start + (50 + gap * k) * MS, 'text', ' x', undefined);
  if (usage !== undefined) tl.usage(5, usage, undefined);
  tl.done(start + (50 + gap * (chunks - 1) + 4) * MS, 'r');
  return tl;
}

/** Histograms keep 3 significant digits. */
const near = (actual: number | undefined, expected: number): void => {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(expected * 1e-3 + 1e-3);
};

describe('DefinitionSet', () => {
  it('takes TTFT from the role chunk for vLLM on chat, and never from the empty delta', () => {
    const set = new DefinitionSet(['vllm', 'aiperf'], true);
    const tl = request(1000, 3, 10, 3);
    set.add(tl, outputTokens(tl, undefined));
    const s = set.summaries();
    // vLLM: the role chunk at +10; AIPerf: the first text at +50 (the empty delta at +30 is no response).
    near(s.vllm?.ttft_ms?.p50, 10);
    near(s.aiperf?.ttft_ms?.p50, 50);
    // vLLM ITL samples: role gap 40, text gaps 10 and 10, finish gap 4.
    expect(s.vllm?.itl_ms?.count).toBe(4);
    near(s.vllm?.itl_ms?.max, 40);
  });

  it('times from the actual send, not an arrival schedule', () => {
    // Meant to start at 900 ms, sent at 1000: the first text at 1050 is 50 ms after the send.
    const tl = new Timeline(900 * MS, 1000 * MS);
    tl.scheduled = true;
    tl.delta(1050 * MS, 'text', 'a', undefined);
    tl.done(1060 * MS, 'r');
    const set = new DefinitionSet(['vllm', 'aiperf', 'guidellm']);
    set.add(tl, outputTokens(tl, undefined));
    const s = set.summaries();
    for (const ttft of [s.vllm?.ttft_ms, s.aiperf?.ttft_ms, s.guidellm?.ttft_ms]) near(ttft?.p50, 50);
    near(s.guidellm?.request_latency_ms?.p50, 60);
  });

  it("aggregates GuideLLM's ITL weighted by tokens, as its distribution summary does", () => {
    const set = new DefinitionSet(['guidellm']);
    // Request A: 3 tokens over chunks 10 ms apart, ITL (70 - 50) / 2 = 10, weight 2.
    const a = request(1000, 3, 10, 3);
    // Request B: 11 tokens in 11 chunks 20 ms apart, ITL 200 / 10 = 20, weight 10.
    const b = request(2000, 11, 20, 11);
    set.add(a, outputTokens(a, undefined));
    set.add(b, outputTokens(b, undefined));
    const itl = set.summaries().guidellm?.itl_ms;
    // Weighted mean (10·2 + 20·10) / 12 = 18.333 (unweighted would be 15), weighted median 20.
    expect(itl?.count).toBe(12);
    expect(Math.abs(itl!.mean - 220 / 12)).toBeLessThan(0.02);
    near(itl?.p50, 20);
  });

  it('leaves out a successful request without output, names each tool once, and merges exactly', () => {
    const set = new DefinitionSet(['aiperf', 'aiperf']);
    const empty = new Timeline(5 * MS, 5 * MS);
    empty.done(9 * MS, 'r');
    set.add(empty, outputTokens(empty, undefined));
    expect(set.summaries()).toEqual({ aiperf: {} });
    const tl = request(1000, 3, 10, 3);
    set.add(tl, outputTokens(tl, undefined));
    const merged = new DefinitionSet(['aiperf']);
    merged.addSummaries(set.summaries());
    merged.addSummaries(set.summaries());
    // Two parts of one request each: two TTFTs of 50 and four chunk gaps of 10.
    expect(merged.summaries().aiperf?.ttft_ms?.count).toBe(2);
    expect(merged.summaries().aiperf?.icl_ms?.count).toBe(4);
    near(merged.summaries().aiperf?.icl_ms?.p50, 10);
  });
});
