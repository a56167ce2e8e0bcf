import { rng, streamSeed } from '../shared/rng.js';
import {
  drawFault,
  type FaultClass,
  faultCounts,
  REQUEST_FAULTS,
  type RequestFault,
  type StreamFault,
} from './faults.js';
import { type Emitter, Generation, type GenerationPlan, type Strike } from './generation.js';
import type { Prompt } from './input.js';
import { outputLength, type OutputRequest } from './length.js';
import type { ServerOptions } from './options.js';
import { PrefixCache, promptCost, type PromptTokens } from './prefix-cache.js';
import { type RequestSeries, ServerMetrics } from './prom.js';
import { SlotQueue } from './queue.js';
import { RateLimiter } from './rate-limit.js';
import { BoundedStore } from './store.js';

export interface ServerStats {
  httpRequests: number;
  wsConnections: number;
  wsTurns: number;
  tcpConnections: number;
  responsesCompleted: number;
  /** Requests whose previous_response_id was found and whose pending calls were answered. */
  chainedRequests: number;
  /** Requests rejected with previous_response_not_found. */
  previousNotFound: number;
  /** Completed responses that were a function call rather than a message. */
  functionCalls: number;
  /** Generations waiting for a slot now (maxConcurrent). */
  queueDepth: number;
  /** Generations that had to wait for a slot. */
  queuedTotal: number;
  maxQueueDepth: number;
  /** Requests and turns refused with 429. */
  rateLimited: number;
  /** Faults injected, by class: counted when they hit the wire, not when drawn. */
  faults: Record<FaultClass, number>;
  /** Input tokens of the planned requests that were served from the cache (a chained context included). */
  cachedInputTokens: number;
  /** The rest of their input: all of it with the prefix cache off. */
  uncachedInputTokens: number;
}

/** What a request asks the generation for. */
export interface TokenRequest extends OutputRequest {
  input: PromptTokens;
}

/** What a later request chaining from a response builds on. */
export interface StoredResponse {
  /** Tokens of the conversation so far, this response's output included. */
  contextTokens: number;
  /** call_ids of the function calls the response ended with: the next request must answer each. */
  pendingCalls: readonly string[];
}

/** Stored responses, for previous_response_id. */
export type ResponseStore = BoundedStore<StoredResponse>;

/** What the HTTP and WebSocket handlers share within one server. */
export class ServerContext {
  readonly stats: ServerStats = {
    httpRequests: 0,
    wsConnections: 0,
    wsTurns: 0,
    tcpConnections: 0,
    responsesCompleted: 0,
    chainedRequests: 0,
    previousNotFound: 0,
    functionCalls: 0,
    queueDepth: 0,
    queuedTotal: 0,
    maxQueueDepth: 0,
    rateLimited: 0,
    faults: faultCounts(),
    cachedInputTokens: 0,
    uncachedInputTokens: 0,
  };
  /** Responses stored over HTTP (store: true), visible to every connection. */
  readonly store: ResponseStore = new BoundedStore(10_000);
  /** In flight, so that close() can stop their timers. */
  readonly live = new Set<Generation>();
  /** The server's own latency histograms (GET /metrics). */
  readonly metrics = new ServerMetrics();
  private readonly slots: SlotQueue;
  private readonly limiter: RateLimiter | undefined;
  private readonly prefixCache: PrefixCache | undefined;
  private seq = 0;
  /** Upgrades draw their fault from a sequence of their own, so requests keep theirs whatever the WebSocket count. */
  private upgrades = 0;

  constructor(readonly opts: ServerOptions) {
    this.slots = new SlotQueue(opts.maxConcurrent, this.stats);
    this.limiter = opts.rateLimit > 0 ? new RateLimiter(opts.rateLimit) : undefined;
    this.prefixCache = opts.prefixCache ? new PrefixCache(opts.prefixCacheBlocks) : undefined;
  }

  /** A copy of the stats, nested counts included. */
  snapshot(): ServerStats {
    return { ...this.stats, faults: { ...this.stats.faults } };
  }

  /** 0 if a request under `key` may pass, else the retry-after seconds of its 429 (counted). */
  throttle(key: string): number {
    const retryAfter = this.limiter?.take(key) ?? 0;
    if (retryAfter > 0) this.stats.rateLimited++;
    return retryAfter;
  }

  /**
   * The fault request `seq` draws (stream 3 of its seeds: independent of its text and timing). An
   * http-500 is counted here, since the caller answers it at once; mid-stream faults when they strike.
   */
  fault(seq: number): RequestFault | null {
    const fault = drawFault(this.opts.faults, rng(streamSeed(this.opts.seed, seq, 3))(), REQUEST_FAULTS);
    if (fault === 'http-500') this.stats.faults[fault]++;
    return fault;
  }

  /** Whether the next WebSocket upgrade is refused with 426 (ws-426), counted if so. */
  refuseUpgrade(): boolean {
    const u = rng(streamSeed(this.opts.seed, this.upgrades++, 4))();
    if (drawFault(this.opts.faults, u, ['ws-426'] as const) === null) return false;
    this.stats.faults['ws-426']++;
    return true;
  }

  /** A request's prompt as it is charged and reported (see promptCost); `context` of a chained turn. */
  prompt(prompt: Prompt, context?: number): PromptTokens {
    return promptCost(prompt, this.prefixCache, context);
  }

  /** The plan of the next response; the sequence number makes each request's text and timing differ. */
  plan(t0: number, overheadMs: number, tokens: TokenRequest): GenerationPlan {
    const o = this.opts;
    const { input } = tokens;
    this.stats.cachedInputTokens += input.cached;
    this.stats.uncachedInputTokens += input.input - input.cached;
    return {
      t0,
      overheadMs,
      ttftMs: o.ttftMs,
      prefillMs: o.prefillTps > 0 ? (input.prefill / o.prefillTps) * 1000 : 0,
      tps: o.tps,
      jitter: o.jitter,
      chunkTokens: o.chunkTokens,
      tokens: outputLength(o.outputTokens, tokens),
      seed: o.seed,
      seq: this.seq++,
      stamp: o.stamp,
    };
  }

  /**
   * A response, tracked until done, faulted or stopped; the caller starts it once it holds the handle
   * (a response with nothing to wait for completes within `start()`). Its timings go to `series` (see
   * `metrics`). `on.done` runs after its last write, `on.faulted` after an injected fault ended it.
   */
  generation(
    plan: GenerationPlan,
    series: RequestSeries,
    emitter: Emitter,
    on: { done?: (text: string, outputTokens: number) => void; faulted?: (kind: StreamFault) => void },
    strike?: Strike,
  ): Generation {
    const g = new Generation(
      plan,
      emitter,
      {
        slots: this.slots,
        series,
        done: (text, n) => {
          this.live.delete(g);
          this.stats.responsesCompleted++;
          on.done?.(text, n);
        },
        faulted: (kind) => {
          this.live.delete(g);
          this.stats.faults[kind]++;
          on.faulted?.(kind);
        },
      },
      strike,
    );
    this.live.add(g);
    return g;
  }

  stop(g: Generation): void {
    g.cancel();
    this.live.delete(g);
  }
}
