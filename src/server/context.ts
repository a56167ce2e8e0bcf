import { Generation, type Emitter, type GenerationPlan } from './generation.js';
import { BoundedStore } from './store.js';

export interface ServerOptions {
  host: string;
  port: number;
  /** First output token this long after the ack. */
  ttftMs: number;
  /**
   * Prefill rate, input tokens per second (0 = free): the first token comes a further
   * inputTokens / prefillTps seconds later. Only the request's own input pays; a chained turn's earlier
   * context counts as cached.
   */
  prefillTps: number;
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
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  host: '127.0.0.1',
  port: 0,
  ttftMs: 150,
  prefillTps: 0,
  tps: 1000,
  jitter: 0,
  chunkTokens: 1,
  outputTokens: 200,
  httpOverheadMs: 0,
  wsOverheadMs: 0,
  wsConnectOverheadMs: 0,
  seed: 1,
  stamp: false,
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
  };
  /** Responses stored over HTTP (store: true), visible to every connection. */
  readonly store: ResponseStore = new BoundedStore(10_000);
  /** In flight, so that close() can stop their timers. */
  readonly live = new Set<Generation>();
  private seq = 0;

  constructor(readonly opts: ServerOptions) {}

  /** The plan of the next response; the sequence number makes each request's text and timing differ. */
  plan(t0: number, overheadMs: number, maxTokens: number | undefined, inputTokens: number): GenerationPlan {
    const o = this.opts;
    return {
      t0,
      overheadMs,
      ttftMs: o.ttftMs,
      prefillMs: o.prefillTps > 0 ? (inputTokens / o.prefillTps) * 1000 : 0,
      tps: o.tps,
      jitter: o.jitter,
      chunkTokens: o.chunkTokens,
      tokens: maxTokens === undefined ? o.outputTokens : Math.min(o.outputTokens, maxTokens),
      seed: o.seed,
      seq: this.seq++,
      stamp: o.stamp,
    };
  }

  /**
   * A response, tracked until done or stopped; the caller starts it once it holds the handle (a
   * response with nothing to wait for completes within `start()`). `onDone` runs after its last write.
   */
  generation(plan: GenerationPlan, emitter: Emitter, onDone: (text: string, outputTokens: number) => void): Generation {
    const g = new Generation(plan, emitter, (text, n) => {
      this.live.delete(g);
      this.stats.responsesCompleted++;
      onDone(text, n);
    });
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
  for (const k of ['ttftMs', 'prefillTps', 'httpOverheadMs', 'wsOverheadMs', 'wsConnectOverheadMs'] as const) {
    if (!(o[k] >= 0)) bad(`${k} must be >= 0, got ${o[k]}`);
  }
}
