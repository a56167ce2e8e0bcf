import { METRIC_INFO, type MetricName } from '../core/catalog.js';
import type { RequestLine } from '../result/requests/line.js';
import { PromHistogram, pushFamily } from '../shared/prometheus.js';
import {
  BUCKETS,
  type Completed,
  COUNTERS,
  type CounterSeries,
  fold,
  histogramName,
  type SeriesSink,
  TIMED,
} from './series.js';

/** One variant's figures. */
class VariantFigures {
  requests = 0;
  ok = 0;
  readonly errors = new Map<string, number>();
  output = 0;
  input = 0;
  readonly histograms = new Map<MetricName, PromHistogram>();
}

/** Label values are user text (variant names): backslash, quote and line break are escaped. */
const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * Per-variant counters and histograms folded from completed requests (series.ts), and their text
 * exposition. Memory is one small record per variant, however long the run.
 */
export class PromFigures implements SeriesSink {
  private readonly variants = new Map<string, VariantFigures>();

  add(l: RequestLine): void {
    fold(l, this);
  }

  private of(variant: string): VariantFigures {
    let v = this.variants.get(variant);
    if (v === undefined) this.variants.set(variant, (v = new VariantFigures()));
    return v;
  }

  completed(variant: string, how: Completed): void {
    const v = this.of(variant);
    v.requests++;
    if (!how.ok) {
      v.errors.set(how.failure, (v.errors.get(how.failure) ?? 0) + 1);
      return;
    }
    v.ok++;
    v.output += how.output;
    v.input += how.input;
  }

  observe(variant: string, metric: MetricName, seconds: number): void {
    const v = this.of(variant);
    let h = v.histograms.get(metric);
    if (h === undefined) v.histograms.set(metric, (h = new PromHistogram(BUCKETS)));
    h.observe(seconds);
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  render(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, rows: (v: VariantFigures, key: string) => string[]) =>
      pushFamily(
        out,
        name,
        type,
        help,
        [...this.variants].flatMap(([key, v]) => rows(v, label(key))),
      );
    const counter = ({ name, help }: CounterSeries, value: (v: VariantFigures) => number) =>
      family(name, 'counter', help, (v, key) => [`${name}{variant="${key}"} ${value(v)}`]);
    counter(COUNTERS.requests, (v) => v.requests);
    counter(COUNTERS.ok, (v) => v.ok);
    const { name: errors, help } = COUNTERS.errors;
    family(errors, 'counter', help, (v, key) =>
      [...v.errors].map(([cls, n]) => `${errors}{variant="${key}",class="${label(cls)}"} ${n}`),
    );
    counter(COUNTERS.output, (v) => v.output);
    counter(COUNTERS.input, (v) => v.input);
    for (const m of TIMED) {
      const name = histogramName(m);
      family(name, 'histogram', METRIC_INFO[m].description, (v, key) => {
        const h = v.histograms.get(m);
        return h === undefined ? [] : h.lines(name, `variant="${key}"`);
      });
    }
    return out.join('\n') + '\n';
  }
}
