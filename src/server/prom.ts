/**
 * The reference server's own latency histograms, served at `GET /metrics` in the Prometheus text
 * exposition format 0.0.4 and named as vLLM's are (`vllm:time_to_first_token_seconds` … under the
 * `wirebench:` prefix). Recording is on the token path: an observation is a binary search over
 * preallocated bounds and three additions, never an allocation.
 */
import { PromHistogram, pushFamily } from '../shared/prometheus.js';

/** The API a request used, as the server's routes name it. */
export type Protocol = 'responses' | 'chat' | 'anthropic' | 'realtime' | 'ollama' | 'tgi';
/** HTTP/1.1 (plain or TLS), HTTP/2 (TLS), WebSocket. */
export type Transport = 'http' | 'h2' | 'ws';

/** Upper bounds (seconds) of the latency buckets: a few ms apart around typical TTFTs. */
const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12,
  0.14, 0.16, 0.18, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 20, 30, 60,
];
const ITL_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1,
];

/** Every series the server exposes: the one place their names, help texts and buckets are written. */
const SERIES = {
  ttft: {
    name: 'wirebench:time_to_first_token_seconds',
    help: 'Time from the request being accepted (after the emulated API overhead, queue time included) to the write of its first token.',
    buckets: LATENCY_BUCKETS,
  },
  e2e: {
    name: 'wirebench:e2e_request_latency_seconds',
    help: 'Time from the request being accepted to the last write of its complete response.',
    buckets: LATENCY_BUCKETS,
  },
  queue: {
    name: 'wirebench:request_queue_time_seconds',
    help: 'Time a request waited for a generation slot (max_concurrent); 0 when it did not wait.',
    buckets: LATENCY_BUCKETS,
  },
  itl: {
    name: 'wirebench:inter_token_latency_seconds',
    help: 'Gap between consecutive writes carrying deltas of one response; further deltas of the same write observe 0.',
    buckets: ITL_BUCKETS,
  },
  success: { name: 'wirebench:request_success_total', help: 'Responses completed.' },
} as const;

type HistogramKey = 'ttft' | 'e2e' | 'queue' | 'itl';
const HISTOGRAMS: readonly HistogramKey[] = ['ttft', 'e2e', 'queue', 'itl'];

/** The series of one label set: what a Generation records into, resolved once per request. */
export class RequestSeries {
  readonly ttft = new PromHistogram(SERIES.ttft.buckets);
  readonly e2e = new PromHistogram(SERIES.e2e.buckets);
  readonly queue = new PromHistogram(SERIES.queue.buckets);
  readonly itl = new PromHistogram(SERIES.itl.buckets);
  success = 0;

  constructor(
    /** `protocol="…",transport="…"`: the values are fixed names, nothing to escape. */
    readonly labels: string,
  ) {}
}

export class ServerMetrics {
  private readonly sets = new Map<string, RequestSeries>();

  series(protocol: Protocol, transport: Transport): RequestSeries {
    const labels = `protocol="${protocol}",transport="${transport}"`;
    let s = this.sets.get(labels);
    if (s === undefined) {
      s = new RequestSeries(labels);
      this.sets.set(labels, s);
    }
    return s;
  }

  /** The exposition: only the label sets that have observed something, and the families that have one. */
  expose(): string {
    const sets = [...this.sets.values()].sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));
    const out: string[] = [];
    for (const key of HISTOGRAMS) {
      const { name, help } = SERIES[key];
      const body = sets.filter((set) => set[key].count > 0).flatMap((set) => set[key].lines(name, set.labels));
      pushFamily(out, name, 'histogram', help, body);
    }
    const { name, help } = SERIES.success;
    const body = sets.filter((s) => s.success > 0).map((s) => `${name}{${s.labels}} ${s.success}`);
    pushFamily(out, name, 'counter', help, body);
    return out.length === 0 ? '' : out.join('\n') + '\n';
  }
}
