import { describe, expect, it } from 'vitest';

import type { Definition, DefinitionMetric } from '../../src/core/definitions.js';
import { aiperfSamples, type DefinitionInput, guidellmSamples, vllmSamples } from '../../src/metrics/definitions.js';

const MS = 1e6;

/** Every sample a formula records, as [metric, value ms or tok/s, weight]. */
function samples(
  fn: (
    r: DefinitionInput,
    sink: { record: (d: Definition, m: DefinitionMetric, v: number, w?: number) => void },
  ) => void,
  r: DefinitionInput,
): [DefinitionMetric, number, number][] {
  const out: [DefinitionMetric, number, number][] = [];
  fn(r, { record: (_d, m, v, w = 1) => out.push([m, Math.round(v * 1e6) / 1e6, w]) });
  return out;
}

const of = (list: [DefinitionMetric, number, number][], m: DefinitionMetric): [number, number][] =>
  list.filter(([k]) => k === m).map(([, v, w]) => [v, w]);

/**
 * A Chat Completions request on a made-up clock (ms): sent at 1000, role chunk (the ack, no text) at
 * 1010, text chunks at 1050, 1060, 1075 and 1100 (gaps 10, 15, 25), finish_reason chunk and [DONE] at
 * 1104; the server's usage says 7 output tokens.
 */
function chat(over: Partial<DefinitionInput> = {}): DefinitionInput {
  return {
    start: 1000 * MS,
    ackAt: 1010 * MS,
    firstDelta: 1050 * MS,
    lastDelta: 1100 * MS,
    doneAt: 1104 * MS,
    deltas: 4,
    itl: [10, 15, 25],
    usage: 7,
    output: 7,
    streamed: 7,
    choiceFrames: true,
    ...over,
  };
}

describe('vLLM bench serve', () => {
  it('ends TTFT at the role chunk and E2EL at the finish_reason chunk on Chat Completions', () => {
    const s = samples(vllmSamples, chat());
    // TTFT = 1010 - 1000 = 10; E2EL = 1104 - 1000 = 104; TPOT = (104 - 10) / (7 - 1) = 94 / 6.
    expect(of(s, 'ttft_ms')).toEqual([[10, 1]]);
    expect(of(s, 'e2el_ms')).toEqual([[104, 1]]);
    expect(of(s, 'tpot_ms')[0][0]).toBeCloseTo(94 / 6, 6);
    // ITL: role -> first text 1050 - 1010 = 40, the three text gaps, last text -> finish 1104 - 1100 = 4.
    expect(of(s, 'itl_ms').map(([v]) => v)).toEqual([40, 10, 15, 25, 4]);
  });

  it('counts only the text messages on a stream without choice chunks', () => {
    const s = samples(vllmSamples, chat({ choiceFrames: false }));
    // TTFT = 1050 - 1000 = 50; E2EL = 1100 - 1000 = 100 (the last token); TPOT = 50 / 6.
    expect(of(s, 'ttft_ms')).toEqual([[50, 1]]);
    expect(of(s, 'e2el_ms')).toEqual([[100, 1]]);
    expect(of(s, 'tpot_ms')[0][0]).toBeCloseTo(50 / 6, 6);
    expect(of(s, 'itl_ms').map(([v]) => v)).toEqual([10, 15, 25]);
  });

  it('has no TPOT for one output token but still the role and finish gaps', () => {
    // One text chunk at 1050, done at 1052: gaps role -> text 40, text -> finish 2.
    const s = samples(
      vllmSamples,
      chat({ lastDelta: 1050 * MS, doneAt: 1052 * MS, deltas: 1, itl: [], usage: 1, output: 1, streamed: 1 }),
    );
    expect(of(s, 'tpot_ms')).toEqual([]);
    expect(of(s, 'itl_ms').map(([v]) => v)).toEqual([40, 2]);
    expect(of(s, 'e2el_ms')).toEqual([[52, 1]]);
  });

  it('has no role gap when the role chunk came in the same read as the first text', () => {
    const s = samples(vllmSamples, chat({ ackAt: 1050 * MS }));
    // TTFT = 50, and the gaps are the text gaps and the finish gap only.
    expect(of(s, 'ttft_ms')).toEqual([[50, 1]]);
    expect(of(s, 'itl_ms').map(([v]) => v)).toEqual([10, 15, 25, 4]);
  });

  it('counts every output token the server reported, hidden reasoning included, else the tokenizer', () => {
    // usage 10 of which 4 hidden reasoning (streamed 6): TPOT = 94 / (10 - 1).
    expect(of(samples(vllmSamples, chat({ usage: 10, output: 10, streamed: 6 })), 'tpot_ms')[0][0]).toBeCloseTo(
      94 / 9,
      6,
    );
    // No usage: the tokenizer's 9 -> 94 / 8 = 11.75.
    expect(of(samples(vllmSamples, chat({ usage: undefined, output: 9, streamed: 9 })), 'tpot_ms')).toEqual([
      [11.75, 1],
    ]);
  });
});

describe('AIPerf', () => {
  it('times from the first to the last non-empty response, whatever the protocol frames', () => {
    const s = samples(aiperfSamples, chat());
    // TTFT = 1050 - 1000 = 50 (the role chunk has no content); request latency = 1100 - 1000 = 100.
    expect(of(s, 'ttft_ms')).toEqual([[50, 1]]);
    expect(of(s, 'request_latency_ms')).toEqual([[100, 1]]);
    // ITL = (100 - 50) / (7 - 1) = 8.3333; output TPS/user = 1 / 8.3333 ms = 120 tok/s.
    expect(of(s, 'itl_ms')[0][0]).toBeCloseTo(50 / 6, 6);
    expect(of(s, 'output_tps_per_user')[0][0]).toBeCloseTo(120, 6);
    // ICL: the gaps between non-empty responses, as they are.
    expect(of(s, 'icl_ms').map(([v]) => v)).toEqual([10, 15, 25]);
  });

  it('divides by the streamed tokens: hidden reasoning never reached its tokenizer', () => {
    // usage 10, 4 of them hidden reasoning: OSL 6, ITL = 50 / 5 = 10, 100 tok/s.
    const s = samples(aiperfSamples, chat({ usage: 10, output: 10, streamed: 6 }));
    expect(of(s, 'itl_ms')).toEqual([[10, 1]]);
    expect(of(s, 'output_tps_per_user')).toEqual([[100, 1]]);
  });

  it('has no ITL, TPS/user or ICL for one output token', () => {
    const s = samples(
      aiperfSamples,
      chat({ lastDelta: 1050 * MS, doneAt: 1052 * MS, deltas: 1, itl: [], usage: 1, output: 1, streamed: 1 }),
    );
    expect(s.map(([m]) => m).sort()).toEqual(['request_latency_ms', 'ttft_ms']);
    // Latency ends at the one response: 50, like TTFT.
    expect(of(s, 'request_latency_ms')).toEqual([[50, 1]]);
  });

  it('has ITL 0 but no TPS/user when two tokens came in one chunk', () => {
    const s = samples(
      aiperfSamples,
      chat({ lastDelta: 1050 * MS, deltas: 1, itl: [], usage: 2, output: 2, streamed: 2 }),
    );
    expect(of(s, 'itl_ms')).toEqual([[0, 1]]);
    expect(of(s, 'output_tps_per_user')).toEqual([]);
  });
});

describe('GuideLLM', () => {
  it('weights ITL by tokens - 1 and TPOT by tokens, from usage', () => {
    const s = samples(guidellmSamples, chat());
    // TTFT = 50; request latency = 1104 - 1000 = 104 (the stream's end).
    expect(of(s, 'ttft_ms')).toEqual([[50, 1]]);
    expect(of(s, 'request_latency_ms')).toEqual([[104, 1]]);
    // ITL = (1100 - 1050) / (7 - 1) = 8.3333, weight 6; TPOT = (1100 - 1000) / 7 = 14.2857, weight 7.
    expect(of(s, 'itl_ms')[0][0]).toBeCloseTo(50 / 6, 6);
    expect(of(s, 'itl_ms')[0][1]).toBe(6);
    expect(of(s, 'tpot_ms')[0][0]).toBeCloseTo(100 / 7, 6);
    expect(of(s, 'tpot_ms')[0][1]).toBe(7);
  });

  it('counts one token per chunk when usage is missing, not the tokenizer', () => {
    // 4 chunks: ITL = 50 / 3 = 16.667, weight 3; TPOT = 100 / 4 = 25, weight 4.
    const s = samples(guidellmSamples, chat({ usage: undefined, output: 9, streamed: 9 }));
    expect(of(s, 'itl_ms')[0][0]).toBeCloseTo(50 / 3, 6);
    expect(of(s, 'itl_ms')[0][1]).toBe(3);
    expect(of(s, 'tpot_ms')).toEqual([[25, 4]]);
  });

  it('has a TPOT but no ITL for one output token', () => {
    // TPOT = (1050 - 1000) / 1 = 50, weight 1.
    const s = samples(
      guidellmSamples,
      chat({ lastDelta: 1050 * MS, doneAt: 1052 * MS, deltas: 1, itl: [], usage: 1, output: 1, streamed: 1 }),
    );
    expect(of(s, 'itl_ms')).toEqual([]);
    expect(of(s, 'tpot_ms')).toEqual([[50, 1]]);
  });
});
