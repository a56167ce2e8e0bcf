/**
 * What `server_metrics` reads from an endpoint's own Prometheus histograms (docs/server-metrics.md): the
 * latencies a server measures of itself, the client metric each is set beside, and per server the
 * histogram names that hold them. The split of a latency into server time and transport time rests on
 * these names: they are read from each project's source, cited in the docs.
 */
import type { MetricName } from './catalog.js';

/** The server-side latencies, keyed as in result.json's `server_metrics.metrics`. */
export const SERVER_METRICS = ['ttft_ms', 'e2e_ms', 'itl_ms', 'queue_ms'] as const;
export type ServerMetric = (typeof SERVER_METRICS)[number];

export interface ServerMetricInfo {
  label: string;
  /** The client's metric measuring the same span from the other end, when there is one. */
  client: MetricName | undefined;
}

export const SERVER_METRIC_INFO: Readonly<Record<ServerMetric, ServerMetricInfo>> = {
  ttft_ms: { label: 'TTFT', client: 'ttft_ms' },
  e2e_ms: { label: 'E2E', client: 'e2e_ms' },
  itl_ms: { label: 'ITL', client: 'itl_ms' },
  queue_ms: { label: 'queue', client: undefined },
};

export const SERVER_PRESETS = ['vllm', 'sglang', 'tgi', 'wirebench'] as const;
export type ServerPreset = (typeof SERVER_PRESETS)[number];

/**
 * Per preset, per latency, the histogram names (seconds) that may hold it, the first one the server
 * exposes wins: names change across a server's versions.
 */
export const PRESET_HISTOGRAMS: Readonly<Record<ServerPreset, Partial<Record<ServerMetric, readonly string[]>>>> = {
  vllm: {
    ttft_ms: ['vllm:time_to_first_token_seconds'],
    e2e_ms: ['vllm:e2e_request_latency_seconds'],
    itl_ms: ['vllm:inter_token_latency_seconds', 'vllm:time_per_output_token_seconds'],
    queue_ms: ['vllm:request_queue_time_seconds'],
  },
  sglang: {
    ttft_ms: ['sglang:time_to_first_token_seconds'],
    e2e_ms: ['sglang:e2e_request_latency_seconds'],
    itl_ms: ['sglang:inter_token_latency_seconds', 'sglang:time_per_output_token_seconds'],
    queue_ms: ['sglang:queue_time_seconds'],
  },
  // TGI records no first-token time, and its mean time per token includes the prefill: neither is here.
  tgi: {
    e2e_ms: ['tgi_request_duration'],
    queue_ms: ['tgi_request_queue_duration'],
  },
  wirebench: {
    ttft_ms: ['wirebench:time_to_first_token_seconds'],
    e2e_ms: ['wirebench:e2e_request_latency_seconds'],
    itl_ms: ['wirebench:inter_token_latency_seconds'],
    queue_ms: ['wirebench:request_queue_time_seconds'],
  },
};
