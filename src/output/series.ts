import { METRIC_INFO, type MetricName } from '../core/catalog.js';
import { completionValues, streamValues, type ValueSink } from '../metrics/request-metrics.js';
import { countedAs, failureClass } from '../result/requests/counted.js';
import type { RequestLine } from '../result/requests/line.js';
import { variantKey } from '../result/result.js';
import { stampsOf, streamedOf } from '../stats/request-samples.js';

/**
 * The series the metrics outputs export (prometheus, otlp), one home for their names, meanings and units:
 * a dashboard built on one reads the other. Every series has the attribute `variant`.
 */

/**
 * Bucket bounds, seconds: from a loopback round trip (1 ms) to a long generation (2 min), about 2.5× apart,
 * so that a TTFT or an E2E of any endpoint lands among them.
 */
export const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120];

/** `ttft_ms` → `wirebench_ttft_seconds`: the catalog's name in the base unit, seconds. */
export const histogramName = (m: MetricName): string => `wirebench_${m.replace(/_ms$/, '')}_seconds`;

/** The catalog's time metrics a requests.jsonl line reproduces (ITL and other per-token ones it does not). */
export const TIMED = (Object.keys(METRIC_INFO) as MetricName[]).filter((m) => METRIC_INFO[m].unit === 'ms');

/** A counter: its name, what it counts (Prometheus' HELP, OTLP's description) and OTLP's unit. */
export interface CounterSeries {
  name: string;
  help: string;
  unit: '{request}' | '{token}';
}

export const COUNTERS = {
  requests: { name: 'wirebench_requests_total', help: 'measured requests completed (ok or failed)', unit: '{request}' },
  ok: { name: 'wirebench_requests_ok_total', help: 'measured requests that succeeded', unit: '{request}' },
  /** With the attribute `class` besides `variant`: as result.json's `errors`. */
  errors: {
    name: 'wirebench_request_errors_total',
    help: 'measured requests that failed, by error class',
    unit: '{request}',
  },
  output: { name: 'wirebench_output_tokens_total', help: 'output tokens of successful requests', unit: '{token}' },
  input: {
    name: 'wirebench_input_tokens_total',
    help: 'input tokens the server reported for successful requests',
    unit: '{token}',
  },
} as const satisfies Record<string, CounterSeries>;

/** How a measured request ended: its tokens when it succeeded, its error class when it failed. */
export type Completed = { ok: true; output: number; input: number } | { ok: false; failure: string };

/** What a metrics output does with a completed request's figures. */
export interface SeriesSink {
  /** A measured request completed, ok or failed. */
  completed(variant: string, how: Completed): void;
  /** A value of a time metric (one of TIMED), in seconds. */
  observe(variant: string, metric: MetricName, seconds: number): void;
}

/**
 * Hands a requests.jsonl line's figures to `sink`, counted as the recorder counts them
 * (result/requests/counted.ts): measured requests only, and what a cancelled stream measured until the
 * cancel goes to the histograms, as in the run's, without counting it as a request.
 */
export function fold(l: RequestLine, sink: SeriesSink): void {
  const counted = countedAs(l);
  if (counted !== 'ok' && counted !== 'failed' && counted !== 'cancelled') return;
  const variant = variantKey(l.variant, l.step);
  const { stamps, origin } = stampsOf(l);
  const values: ValueSink = {
    record: (name, value) => {
      if (METRIC_INFO[name].unit === 'ms') sink.observe(variant, name, value / 1000);
    },
  };
  if (counted === 'cancelled') return streamValues(stamps, origin, values);
  if (counted === 'failed') return sink.completed(variant, { ok: false, failure: failureClass(l) });
  sink.completed(variant, { ok: true, output: l.output_tokens, input: l.input_tokens ?? 0 });
  streamValues(stamps, origin, values);
  completionValues(stamps, origin, streamedOf(l) ?? 0, values);
}
