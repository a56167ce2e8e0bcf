import { rng, streamSeed } from '../shared/rng.js';
import { checkFaults, drawFault, faultCounts, REQUEST_FAULTS, type FaultClass, type FaultRates, type RequestFault, type StreamFault } from './faults.js';
import { Generation, type Emitter, type GenerationPlan, type Strike } from './generation.js';
import type { Prompt } from './input.js';
import { outputLength, type OutputRequest } from './length.js';
import { DEFAULT_PREFIX_CACHE_BLOCKS, MAX_PREFIX_CACHE_BLOCKS, PrefixCache, promptCost, type PromptTokens } from './prefix-cache.js';
import { SlotQueue } from './queue.js';
import { RateLimiter } from './rate-limit.js';
import { BoundedStore } from './store.js';

export interface ServerOptions {
  host: string;
  port: number;
  /** First output token this long after the ack. */
  ttftMs: number;
  /**
   * Prefill rate, input tokens per second (0 = free): the first token comes a further
   * inputTokens / prefillTps seconds later. Only the request's own input pays, less what the prefix
   * cache serves; a chained turn's earlier context is free.
   */
  prefillTps: number;
  /** Automatic prefix caching of 512-token blocks, as vLLM and SGLang do it (see PrefixCache). */
  prefixCache: boolean;
  /** Capacity of the prefix cache in blocks, least recently used evicted first. */
  prefixCacheBlocks: number;
  /** Decode rate, output tokens per second. */
  tps: number;
  /** Relative spread of each token interval: (1000/tps)·(1 + jitter·u), u uniform in [−1, 1]. */
  jitter: number;
  /** Tokens per delta event. */
  chunkTokens: number;
  /** Output length when the request does not ask for fewer. */
  outputTokens: number;
  /** Before the response headers, on every HTTP request. */
  httpOverheadMs: number;
  /** Before response.created, on every WebSocket turn. */
  wsOverheadMs: number;
  /** Before the 101, once per WebSocket. */
  wsConnectOverheadMs: number;
  seed: number;
  /** Add `"wb_t":"<hrtime.bigint>"` (write time) as the last field of every event. */
  stamp: boolean;
  /**
   * Generations decoding at once (0 = unlimited). Beyond it a response is acked on time but waits
   * FIFO for a slot before its first token's ttft + prefill starts, so the wait shows in TTFT.
   */
  maxConcurrent: number;
  /** Requests (HTTP requests, WebSocket turns) per second per API key, bursts of max(1, rate); 0 = off. */
  rateLimit: number;
  /** Probability per request (ws-426: per upgrade) of each injected fault, drawn from the seed. */
  faults: FaultRates;
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  host: '127.0.0.1',
  port: 0,
  ttftMs: 150,
  prefillTps: 0,
  prefixCache: false,
  prefixCacheBlocks: DEFAULT_PREFIX_CACHE_BLOCKS,
  tps: 1000,
  jitter: 0,
  chunkTokens: 1,
  outputTokens: 200,
  httpOverheadMs: 0,
  wsOverheadMs: 0,
  wsConnectOverheadMs: 0,
  seed: 1,
  stamp: false,
  maxConcurrent: 0,
  rateLimit: 0,
  faults: {},
};

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
   * (a response with nothing to wait for completes within `start()`). `on.done` runs after its last
   * write, `on.faulted` after an injected fault ended it.
   */
  generation(
    plan: GenerationPlan,
    emitter: Emitter,
    on: { done?: (text: string, outputTokens: number) => void; faulted?: (kind: StreamFault) => void },
    strike?: Strike,
  ): Generation {
    const g = new Generation(
      plan,
      emitter,
      {
        slots: this.slots,
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

export function validateOptions(o: ServerOptions): void {
  const bad = (what: string) => {
    throw new RangeError(`server option ${what}`);
  };
  if (!(o.tps > 0)) bad(`tps must be > 0, got ${o.tps}`);
  if (!Number.isInteger(o.chunkTokens) || o.chunkTokens < 1) bad(`chunkTokens must be an integer >= 1, got ${o.chunkTokens}`);
  if (!Number.isInteger(o.outputTokens) || o.outputTokens < 0) bad(`outputTokens must be an integer >= 0, got ${o.outputTokens}`);
  if (!(o.jitter >= 0 && o.jitter <= 1)) bad(`jitter must be in [0, 1], got ${o.jitter}`);
  if (!Number.isInteger(o.maxConcurrent) || o.maxConcurrent < 0) bad(`maxConcurrent must be an integer >= 0, got ${o.maxConcurrent}`);
  if (!Number.isInteger(o.prefixCacheBlocks) || o.prefixCacheBlocks < 1 || o.prefixCacheBlocks > MAX_PREFIX_CACHE_BLOCKS) {
    bad(`prefixCacheBlocks must be an integer in [1, ${MAX_PREFIX_CACHE_BLOCKS}], got ${o.prefixCacheBlocks}`);
  }
  for (const k of ['ttftMs', 'prefillTps', 'httpOverheadMs', 'wsOverheadMs', 'wsConnectOverheadMs', 'rateLimit'] as const) {
    if (!(o[k] >= 0)) bad(`${k} must be >= 0, got ${o[k]}`);
  }
  try {
    checkFaults(o.faults);
  } catch (e) {
    bad(`faults: ${(e as Error).message}`);
  }
}
