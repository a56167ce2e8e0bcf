/**
 * The metrics (README "Metrics"), in their stored order: the histograms' index, the
 * interval logs' tags, the full percentile tables and charts, and `compare`'s rows follow it.
 */
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
  'proxy_delay_ms',
] as const;
export type MetricName = (typeof METRICS)[number];

export type MetricUnit = 'ms' | 'tok/s' | 'turns' | 'tokens';

/**
 * Which way is better: `lower` (a latency) or `higher` (a rate); a `count` of tokens says what was sent,
 * not how fast, so a change of it is longer or shorter rather than faster or slower.
 */
export type MetricDirection = 'lower' | 'higher' | 'count';

/** Where a metric is shown beyond the full percentile tables, which show every metric. */
export type MetricSection =
  /** result.json's `comparisons`, each variant's median against the first's: what the transport claims users check are stated in. */
  | 'compared'
  /** The change of medians: the terminal's line per variant pair, the reports' table. */
  | 'change'
  /** A sweep's charts of p50 and p99 against the swept value. */
  | 'sweep'
  /** The CDF charts; a sweep's only percentile-distribution charts. */
  | 'cdf'
  /** Percentiles per interval, from the `--hdr-log` interval logs. */
  | 'interval';

export interface MetricInfo {
  unit: MetricUnit;
  description: string;
  direction: MetricDirection;
  /**
   * What every report calls it: its key without the unit suffix, spelled for reading (`TTFT` for
   * ttft_ms, `token delay` for token_delay_ms), so a figure in the terminal is found in the files.
   */
  name: string;
  shows: readonly MetricSection[];
  /**
   * `token`: many samples per request, which move together (a slow connection delays every token of
   * its request), so the statistics treat the requests, not the tokens, as the independent draws.
   */
  per?: 'token';
  /** Its columns of the main results table (and of the terminal's sweep table). */
  columns?: readonly ('p50' | 'p99')[];
  /**
   * Its row in the terminal's table per variant: `always` (`-` when not measured), only when `measured`
   * (connection set-up, say), or its `median` alone, after the other rows.
   */
  row?: 'always' | 'measured' | 'median';
}

/**
 * Every metric, in the order the summaries list them (what a reader looks for first), which differs from
 * METRICS: each section, column and row list below keeps this order.
 */
export const METRIC_INFO: Readonly<Record<MetricName, MetricInfo>> = {
  ttft_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'TTFT',
    description: 'request start to first non-empty delta',
    shows: ['compared', 'change', 'sweep', 'cdf', 'interval'],
    columns: ['p50', 'p99'],
    row: 'always',
  },
  overhead_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'overhead',
    description: 'request start to the server accepting it (per-roundtrip overhead)',
    shows: ['compared', 'change', 'sweep', 'cdf'],
    columns: ['p50'],
    row: 'always',
  },
  itl_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'ITL',
    description: 'gap between consecutive non-empty deltas (chunk level)',
    per: 'token',
    shows: ['compared', 'change', 'sweep', 'cdf', 'interval'],
    columns: ['p50', 'p99'],
    row: 'always',
  },
  tpot_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'TPOT',
    description: '(last delta - first delta) / (output tokens - 1), per request',
    shows: ['compared', 'sweep'],
  },
  e2e_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'E2E',
    description: 'request start to done',
    shows: ['compared', 'change', 'sweep', 'cdf'],
    columns: ['p50'],
    row: 'always',
  },
  decode_tps: {
    unit: 'tok/s',
    direction: 'higher',
    name: 'decode',
    description: '(output tokens - 1) / (last delta - first delta), per request',
    shows: ['compared', 'change', 'sweep'],
    columns: ['p50'],
    row: 'median',
  },
  dns_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'DNS',
    description: 'DNS lookup, when this request opened the connection',
    shows: [],
  },
  connect_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'connect',
    description: 'TCP connect, when this request opened the connection',
    shows: [],
    row: 'measured',
  },
  tls_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'TLS',
    description: 'TLS handshake, when this request opened the connection',
    shows: [],
    row: 'measured',
  },
  handshake_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'handshake',
    description: 'WebSocket upgrade handshake: upgrade request sent to 101 received',
    shows: [],
    row: 'measured',
  },
  ttfb_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'TTFB',
    description: 'request start to first response byte',
    shows: [],
  },
  token_delay_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'token delay',
    description: 'reference server token write to client receive (per-token transport cost)',
    per: 'token',
    shows: ['compared', 'change'],
    row: 'measured',
  },
  proxy_delay_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'proxy delay',
    description:
      "wirebench record: an answer's bytes arriving from the endpoint to their hand-over to the client (the proxy's own cost)",
    per: 'token',
    shows: [],
    row: 'measured',
  },
  schedule_delay_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'schedule delay',
    description: 'open loop: intended start to actual start (queueing in the client)',
    shows: [],
    row: 'measured',
  },
  session_e2e_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'session E2E',
    description: 'session: first turn sent to last turn done, tool time included (completed sessions)',
    shows: ['compared', 'change', 'sweep'],
    columns: ['p50'],
    row: 'measured',
  },
  session_turns: {
    unit: 'turns',
    direction: 'lower',
    name: 'session',
    description: 'session: turns completed, failed sessions included (where sessions break)',
    shows: [],
  },
  redirect_ms: {
    unit: 'ms',
    direction: 'lower',
    name: 'redirect',
    description: 'interrupt: the token that triggered the cancel arrived to the first token of the redirected answer',
    shows: ['compared', 'change'],
    columns: ['p50'],
    row: 'measured',
  },
  input_tokens: {
    unit: 'tokens',
    direction: 'count',
    name: 'input',
    description:
      'input tokens of a successful request: server-reported (usage), else the o200k count of the prompt the client made',
    shows: [],
  },
  output_tokens: {
    unit: 'tokens',
    direction: 'count',
    name: 'output',
    description:
      'output tokens of a successful request: server-reported (usage), else the o200k tokenizer, else the delta count',
    shows: [],
  },
};

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRIC_INFO, name);
}

/** Every metric in the summaries' order (METRIC_INFO's). */
const SUMMARY_ORDER = Object.keys(METRIC_INFO) as MetricName[];

/** The metrics a section shows, in the summaries' order. */
export const metricsIn = (section: MetricSection): readonly MetricName[] =>
  SUMMARY_ORDER.filter((m) => METRIC_INFO[m].shows.includes(section));

/** The metrics with a terminal row of that kind, in the summaries' order. */
export const metricsWithRow = (row: NonNullable<MetricInfo['row']>): readonly MetricName[] =>
  SUMMARY_ORDER.filter((m) => METRIC_INFO[m].row === row);

/** The main table's columns: metric and statistic, in the summaries' order. */
export const MAIN_COLUMNS: readonly (readonly [MetricName, 'p50' | 'p99'])[] = SUMMARY_ORDER.flatMap((m) =>
  (METRIC_INFO[m].columns ?? []).map((p) => [m, p] as const),
);

/** `TTFT`: ms goes without saying, any other unit is said (`decode tok/s`). The terminal's change line. */
export function metricLabel(m: MetricName): string {
  const { name, unit } = METRIC_INFO[m];
  return unit === 'ms' ? name : `${name} ${unit}`;
}

/** `TTFT ms`, `decode tok/s`: a row of the terminal's table. */
export const rowLabel = (m: MetricName): string => `${METRIC_INFO[m].name} ${METRIC_INFO[m].unit}`;

/** `TTFT p99 (ms)`, `decode p50 (tok/s)`: a column of the main results table, its unit in its header. */
export const columnLabel = (m: MetricName, p: 'p50' | 'p99'): string =>
  `${METRIC_INFO[m].name} ${p} (${METRIC_INFO[m].unit})`;

/** `TTFT (ms)`, `session (turns)`: the HTML report's charts and tables, the unit telling apart names that share one. */
export const axisLabel = (m: MetricName): string => `${METRIC_INFO[m].name} (${METRIC_INFO[m].unit})`;

/** `TTFT (ttft_ms)`: the reports' reference table, which leads from the name read to the key stored. */
export const keyLabel = (m: MetricName): string => `${METRIC_INFO[m].name} (${m})`;
