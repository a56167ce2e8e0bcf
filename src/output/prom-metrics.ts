import { METRIC_INFO, type MetricName } from '../core/catalog.js';
import { completionValues, type PerRequestMetric, streamValues, type ValueSink } from '../metrics/request-metrics.js';
import { countedAs, failureClass } from '../result/requests/counted.js';
import type { RequestLine } from '../result/requests/line.js';
import { variantKey } from '../result/result.js';
import { stampsOf, streamedOf } from '../stats/request-samples.js';

/**
 * Bucket bounds, seconds: from a loopback round trip (1 ms) to a long generation (2 min), about 2.5× apart,
 * so that a TTFT or an E2E of any endpoint lands among them.
 */
export const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120];

/** `ttft_ms` → `wirebench_ttft_seconds`: the catalog's name in Prometheus' base unit. */
export const promName = (m: MetricName): string => `wirebench_${m.replace(/_ms$/, '')}_seconds`;

/** The catalog's time metrics a requests.jsonl line reproduces (ITL and other per-token ones it does not). */
const TIMED = (Object.keys(METRIC_INFO) as MetricName[]).filter((m) => METRIC_INFO[m].unit === 'ms');

class Histogram {
  readonly counts = new Array<number>(BUCKETS.length).fill(0);
  count = 0;
  sum = 0;

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    const at = BUCKETS.findIndex((b) => seconds <= b);
    if (at >= 0) this.counts[at]++;
  }
}

/** One variant's figures, counted as the recorder counts them (result/requests/counted.ts). */
class VariantFigures implements ValueSink {
  requests = 0;
  ok = 0;
  readonly errors = new Map<string, number>();
  output = 0;
  input = 0;
  readonly histograms = new Map<MetricName, Histogram>();

  record(name: PerRequestMetric, value: number): void {
    if (METRIC_INFO[name].unit !== 'ms') return;
    let h = this.histograms.get(name);
    if (h === undefined) this.histograms.set(name, (h = new Histogram()));
    h.observe(value / 1000);
  }
}

/** Label values are user text (variant names): backslash, quote and line break are escaped. */
const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * Per-variant counters and histograms folded from completed requests, and their text exposition. Memory
 * is one small record per variant, however long the run.
 */
export class PromFigures {
  private readonly variants = new Map<string, VariantFigures>();

  add(l: RequestLine): void {
    const counted = countedAs(l);
    if (counted !== 'ok' && counted !== 'failed' && counted !== 'cancelled') return;
    const key = variantKey(l.variant, l.step);
    let v = this.variants.get(key);
    if (v === undefined) this.variants.set(key, (v = new VariantFigures()));
    const { stamps, origin } = stampsOf(l);
    // What a cancelled stream measured until the cancel is in the histograms, as the recorder has it.
    if (counted === 'cancelled') return streamValues(stamps, origin, v);
    v.requests++;
    if (counted === 'failed') {
      const cls = failureClass(l);
      v.errors.set(cls, (v.errors.get(cls) ?? 0) + 1);
      return;
    }
    v.ok++;
    v.output += l.output_tokens;
    v.input += l.input_tokens ?? 0;
    streamValues(stamps, origin, v);
    completionValues(stamps, origin, streamedOf(l) ?? 0, v);
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  render(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, rows: (v: VariantFigures, key: string) => string[]) => {
      const body = [...this.variants].flatMap(([key, v]) => rows(v, label(key)));
      if (body.length > 0) out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...body);
    };
    const counter = (name: string, help: string, value: (v: VariantFigures) => number) =>
      family(name, 'counter', help, (v, key) => [`${name}{variant="${key}"} ${value(v)}`]);
    counter('wirebench_requests_total', 'measured requests completed (ok or failed)', (v) => v.requests);
    counter('wirebench_requests_ok_total', 'measured requests that succeeded', (v) => v.ok);
    family('wirebench_request_errors_total', 'counter', 'measured requests that failed, by error class', (v, key) =>
      [...v.errors].map(([cls, n]) => `wirebench_request_errors_total{variant="${key}",class="${label(cls)}"} ${n}`),
    );
    counter('wirebench_output_tokens_total', 'output tokens of successful requests', (v) => v.output);
    counter('wirebench_input_tokens_total', 'input tokens the server reported for successful requests', (v) => v.input);
    for (const m of TIMED) {
      const name = promName(m);
      family(name, 'histogram', METRIC_INFO[m].description, (v, key) => {
        const h = v.histograms.get(m);
        if (h === undefined) return [];
        let below = 0;
        const rows = BUCKETS.map((b, i) => `${name}_bucket{variant="${key}",le="${b}"} ${(below += h.counts[i])}`);
        rows.push(`${name}_bucket{variant="${key}",le="+Inf"} ${h.count}`);
        return [...rows, `${name}_sum{variant="${key}"} ${h.sum}`, `${name}_count{variant="${key}"} ${h.count}`];
      });
    }
    return out.join('\n') + '\n';
  }
}
