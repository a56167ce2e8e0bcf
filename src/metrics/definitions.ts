/**
 * The other tools' formulas (core/definitions.ts, docs/definitions.md) over what a completed request
 * recorded. Each reads the same stamps wirebench's own metrics come from; none adds work per token.
 */
import type { Definition, DefinitionMetric } from '../core/definitions.js';
import type { Nanos } from '../core/types.js';

/** A completed request as the formulas see it: stamps in ns (0: never happened), gaps in ms. */
export interface DefinitionInput {
  /**
   * When the request was actually sent. All three tools time from their own send, never from an
   * arrival schedule, so an open loop's queueing is not in their numbers (it is in wirebench's).
   */
  start: Nanos;
  ackAt: Nanos;
  firstDelta: Nanos;
  lastDelta: Nanos;
  doneAt: Nanos;
  /** Non-empty deltas (chunks), and the gaps between consecutive ones, ms. */
  deltas: number;
  itl: readonly number[];
  /** The server's output count (usage), when it reported one. */
  usage: number | undefined;
  /** wirebench's output count: usage, else the o200k tokenizer, else the delta count. */
  output: number;
  /** Of those, the tokens that arrived as deltas (hidden reasoning left out). */
  streamed: number;
  /**
   * The stream frames every event as a choice (Chat Completions): its first chunk, the role chunk the
   * ack was stamped on, and its finish_reason chunk, stamped with the end, are messages vLLM counts.
   */
  choiceFrames: boolean;
}

/** Where samples go; `weight` is how many samples the value stands for (GuideLLM weights by tokens). */
export interface DefinitionSink {
  record(d: Definition, m: DefinitionMetric, value: number, weight?: number): void;
}

const ms = (from: Nanos, to: Nanos): number => (to - from) / 1e6;

/**
 * vLLM `bench serve` (lib/endpoint_request_func.py, serve.py `calculate_metrics`): a message counts
 * when its `choices` is non-empty, whatever its text, so on Chat Completions the role chunk ends TTFT and
 * the finish_reason chunk ends the latency; tokens are usage, else its tokenizer over the text.
 */
export function vllmSamples(r: DefinitionInput, sink: DefinitionSink): void {
  const first = r.choiceFrames ? r.ackAt : r.firstDelta;
  const last = r.choiceFrames ? r.doneAt : r.lastDelta;
  const ttft = ms(r.start, first);
  const e2el = ms(r.start, last);
  sink.record('vllm', 'ttft_ms', ttft);
  sink.record('vllm', 'e2el_ms', e2el);
  if (r.output > 1) sink.record('vllm', 'tpot_ms', (e2el - ttft) / (r.output - 1));
  // The role chunk's gap to the first token: none when both came in one read (then vLLM's is ~0 too,
  // or the server sent no role chunk apart, which this stamp cannot tell).
  if (r.choiceFrames && r.firstDelta > r.ackAt) sink.record('vllm', 'itl_ms', ms(r.ackAt, r.firstDelta));
  for (const gap of r.itl) sink.record('vllm', 'itl_ms', gap);
  // The finish_reason chunk always follows the last token as a message of its own.
  if (r.choiceFrames) sink.record('vllm', 'itl_ms', ms(r.lastDelta, r.doneAt));
}

/**
 * AIPerf (metrics/types/*): responses are the messages with non-empty content or reasoning; its output
 * sequence length is its tokenizer's count of the streamed text (here: the streamed tokens).
 */
export function aiperfSamples(r: DefinitionInput, sink: DefinitionSink): void {
  const ttft = ms(r.start, r.firstDelta);
  const latency = ms(r.start, r.lastDelta);
  sink.record('aiperf', 'ttft_ms', ttft);
  sink.record('aiperf', 'request_latency_ms', latency);
  if (r.streamed >= 2) {
    const itl = (latency - ttft) / (r.streamed - 1);
    sink.record('aiperf', 'itl_ms', itl);
    // 1 / ITL: a one-chunk answer has ITL 0, for which AIPerf has no value either.
    if (itl > 0) sink.record('aiperf', 'output_tps_per_user', 1000 / itl);
  }
  for (const gap of r.itl) sink.record('aiperf', 'icl_ms', gap);
}

/**
 * GuideLLM (schemas/request_stats.py, benchmark/schemas/metrics.py): tokens are usage, else one per
 * chunk with output; ITL and TPOT are aggregated weighted by the tokens they divide by.
 */
export function guidellmSamples(r: DefinitionInput, sink: DefinitionSink): void {
  const n = r.usage ?? r.deltas;
  sink.record('guidellm', 'ttft_ms', ms(r.start, r.firstDelta));
  sink.record('guidellm', 'request_latency_ms', ms(r.start, r.doneAt));
  if (n > 1) sink.record('guidellm', 'itl_ms', ms(r.firstDelta, r.lastDelta) / (n - 1), n - 1);
  if (n > 0) sink.record('guidellm', 'tpot_ms', ms(r.start, r.lastDelta || r.doneAt) / n, n);
}

export const SAMPLES: Readonly<Record<Definition, (r: DefinitionInput, sink: DefinitionSink) => void>> = {
  vllm: vllmSamples,
  aiperf: aiperfSamples,
  guidellm: guidellmSamples,
};
