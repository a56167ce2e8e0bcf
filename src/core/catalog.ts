/** The metrics of DESIGN.md "Metric definitions", in the order every report lists them. */
export const METRICS = [
  'dns_ms',
  'connect_ms',
  'tls_ms',
  'handshake_ms',
  'ttfb_ms',
  'overhead_ms',
  'ttft_ms',
  'itl_ms',
  'tpot_ms',
  'decode_tps',
  'e2e_ms',
  'token_delay_ms',
  'schedule_delay_ms',
  'session_e2e_ms',
  'session_turns',
  'redirect_ms',
  'input_tokens',
  'output_tokens',
] as const;
export type MetricName = (typeof METRICS)[number];

export type MetricUnit = 'ms' | 'tok/s' | 'turns' | 'tokens';

export interface MetricInfo {
  unit: MetricUnit;
  description: string;
}

export const METRIC_INFO: Readonly<Record<MetricName, MetricInfo>> = {
  dns_ms: { unit: 'ms', description: 'DNS lookup, when this request opened the connection' },
  connect_ms: { unit: 'ms', description: 'TCP connect, when this request opened the connection' },
  tls_ms: { unit: 'ms', description: 'TLS handshake, when this request opened the connection' },
  handshake_ms: { unit: 'ms', description: 'WebSocket upgrade request sent to 101 received' },
  ttfb_ms: { unit: 'ms', description: 'request start to first response byte' },
  overhead_ms: { unit: 'ms', description: 'request start to the server accepting it (per-roundtrip overhead)' },
  ttft_ms: { unit: 'ms', description: 'request start to first non-empty delta' },
  itl_ms: { unit: 'ms', description: 'gap between consecutive non-empty deltas (chunk level)' },
  tpot_ms: { unit: 'ms', description: '(last delta - first delta) / (output tokens - 1), per request' },
  decode_tps: { unit: 'tok/s', description: '(output tokens - 1) / (last delta - first delta), per request' },
  e2e_ms: { unit: 'ms', description: 'request start to done' },
  token_delay_ms: { unit: 'ms', description: 'reference server token write to client receive (per-token transport cost)' },
  schedule_delay_ms: { unit: 'ms', description: 'open loop: intended start to actual start (queueing in the client)' },
  session_e2e_ms: { unit: 'ms', description: 'session: first turn sent to last turn done, tool time included (completed sessions)' },
  redirect_ms: {
    unit: 'ms',
    description: 'interrupt: the token that triggered the cancel arrived to the first token of the redirected answer',
  },
  session_turns: { unit: 'turns', description: 'session: turns completed, failed sessions included (where sessions break)' },
  input_tokens: {
    unit: 'tokens',
    description: 'input tokens of a successful request: server-reported (usage), else the o200k count of the prompt the client made',
  },
  output_tokens: {
    unit: 'tokens',
    description: 'output tokens of a successful request: server-reported (usage), else the o200k tokenizer, else the delta count',
  },
};

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRIC_INFO, name);
}
