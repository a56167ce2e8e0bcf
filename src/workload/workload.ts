/**
 * A run's workload: what every variant's requests carry, from the scenario's request block or its
 * dataset. Each variant gets its own feed of the same sequence — the same lengths and records in the same
 * order, so variants are compared on equal work — with its own texts, so none reads another's cache.
 */
import { lowerBound } from '../shared/lower-bound.js';
import { rng } from '../shared/rng.js';
import { type DatasetIndex, DatasetReader } from './dataset/index.js';
import { BufferedFeed, type Feed, MadeFeed } from './feed.js';
import { type ItemContext, recordItem, syntheticItem, type SyntheticPrompt } from './items.js';
import { PromptSynth } from './prompt.js';
import { type DatasetRecord, DEFAULT_PROMPT_TOKENS, type LengthSpec, type WorkloadInfo } from './types.js';

/** The parts of a scenario a workload is made from (its request block, dataset and load). */
export interface WorkloadSpec {
  request: {
    prompt?: string;
    prompt_tokens?: LengthSpec;
    shared_prefix_tokens: number | 'all';
    prefix_groups: number;
    max_output_tokens: LengthSpec;
    seed: number;
  };
  dataset?: { path: string; sample: 'sequential' | 'random'; seed: number; isolate: boolean };
  load: { kind: string; speed?: number; start?: number; duration?: number };
}

interface TraceWindow {
  from: number;
  to: number;
  zeroMs: number;
  speed: number;
}

/** A trace's window: the records whose timestamps fall in [start, start + duration), replayed at `speed`. */
function traceWindow(ts: Float64Array, load: WorkloadSpec['load']): TraceWindow {
  const startMs = (load.start ?? 0) * 1000;
  const endMs = load.duration === undefined ? Infinity : startMs + load.duration * 1000;
  const from = lowerBound(ts, startMs);
  const to = lowerBound(ts, endMs);
  // Due times count from the window's first record, whichever shard replays it.
  return { from, to, zeroMs: from < ts.length ? ts[from] : 0, speed: load.speed ?? 1 };
}

export class Workload {
  private readonly synth: PromptSynth;

  /**
   * @param salt mixed into every text: a run never shares a prefix with an earlier one
   * @param shard this process's part of a sharded run: a trace's records are dealt round-robin
   */
  constructor(
    private readonly spec: WorkloadSpec,
    private readonly salt: number,
    private readonly dataset?: DatasetIndex,
    private readonly shard?: { index: number; count: number },
  ) {
    this.synth = new PromptSynth(salt);
  }

  /** The feed of the variant in `slot` of `slots` (the run's steps × variants). */
  feed(slot: number, slots: number): Feed {
    const { request: r, dataset: d } = this.spec;
    const isolate = d?.isolate ?? true;
    const ctx: ItemContext = {
      synth: this.synth,
      slot,
      slots,
      seed: r.seed,
      maxOutput: r.max_output_tokens,
      tag: d === undefined || !isolate ? '' : this.synth.tag(slot),
      isolate,
    };
    if (this.dataset === undefined || d === undefined) {
      const p: SyntheticPrompt = {
        literal: r.prompt,
        tokens: r.prompt_tokens ?? DEFAULT_PROMPT_TOKENS,
        shared: r.shared_prefix_tokens,
        groups: r.prefix_groups,
      };
      return new MadeFeed((i) => syntheticItem(ctx, p, i));
    }
    const index = this.dataset;
    const reader = new DatasetReader(index);
    const trace = this.spec.load.kind === 'trace' ? traceWindow(index.timestamps!, this.spec.load) : undefined;
    const order = trace === undefined ? this.order(index, d) : this.traceOrder(trace);
    const conversations = this.spec.load.kind === 'session';
    let i = 0;
    const feed = new BufferedFeed<DatasetRecord>(
      async (count) => {
        const picks = order(count);
        return picks.length === 0 ? [] : reader.read(picks);
      },
      (rec) => {
        const item = recordItem(ctx, rec, i++, index.format, conversations);
        if (trace !== undefined) item.atMs = ((rec.timestampMs ?? 0) - trace.zeroMs) / trace.speed;
        return item;
      },
    );
    const close = feed.close.bind(feed);
    feed.close = async () => {
      await close();
      await reader.close();
    };
    return feed;
  }

  /** Which records come next, `count` at a time: in file order wrapping around, or drawn at random. */
  private order(index: DatasetIndex, d: NonNullable<WorkloadSpec['dataset']>): (count: number) => number[] {
    const n = index.records;
    if (d.sample === 'random') {
      const rand = rng(d.seed);
      return (count) => Array.from({ length: count }, () => Math.floor(rand() * n));
    }
    let k = 0;
    return (count) => Array.from({ length: count }, () => k++ % n);
  }

  /** A trace's records of its window, once, this shard's share of them (dealt round-robin). */
  private traceOrder(w: { from: number; to: number }): (count: number) => number[] {
    const shard = this.shard ?? { index: 1, count: 1 };
    let k = w.from;
    return (count) => {
      const out: number[] = [];
      for (; k < w.to && out.length < count; k++) if ((k - w.from) % shard.count === shard.index - 1) out.push(k);
      return out;
    };
  }

  /** What result.json records of the workload. */
  info(path?: string): WorkloadInfo {
    const { request: r, dataset: d } = this.spec;
    const base = { max_output_tokens: r.max_output_tokens, seed: r.seed, salt: this.salt };
    if (d !== undefined && this.dataset !== undefined) {
      const x = this.dataset;
      return {
        source: 'dataset',
        prompts: d.isolate ? 'dataset (isolated per variant and run)' : 'dataset (as written)',
        ...base,
        dataset: {
          path: path ?? x.path,
          format: x.format,
          detected: x.detected,
          records: x.records,
          sample: d.sample,
          seed: d.seed,
          isolate: d.isolate,
          ...(x.skipped.length > 0 ? { skipped: x.skipped } : {}),
        },
      };
    }
    const prompts =
      r.shared_prefix_tokens === 'all' ? 'identical' : r.shared_prefix_tokens > 0 ? 'shared prefix' : 'unique';
    if (r.prompt !== undefined) return { source: 'literal', prompts, ...base };
    return {
      source: 'synthesized',
      prompts,
      prompt_tokens: r.prompt_tokens ?? DEFAULT_PROMPT_TOKENS,
      ...(typeof r.shared_prefix_tokens === 'number' && r.shared_prefix_tokens > 0
        ? { shared_prefix_tokens: r.shared_prefix_tokens, prefix_groups: r.prefix_groups }
        : {}),
      ...base,
    };
  }
}
