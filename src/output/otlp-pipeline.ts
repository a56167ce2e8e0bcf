import { type Counter, type Histogram, type Meter, ValueType } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { AggregationTemporalityPreference, OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

import { METRIC_INFO, type MetricName } from '../core/catalog.js';
import type { RunLabel } from './output.js';
import {
  BUCKETS,
  type Completed,
  COUNTERS,
  type CounterSeries,
  histogramName,
  type SeriesSink,
  TIMED,
} from './series.js';

/** One export, its retries included (the exporter retries a refused connection, 429, 502–504). */
const EXPORT_TIMEOUT_MS = 3000;
/** The end of the run: an export still going, then the final one, each bounded by EXPORT_TIMEOUT_MS. */
const SHUTDOWN_MS = 2 * EXPORT_TIMEOUT_MS + 1000;

/** The OTel instruments of series.ts on one meter: the SDK aggregates what they are given. */
class Instruments implements SeriesSink {
  private readonly counters: Record<keyof typeof COUNTERS, Counter>;
  private readonly histograms: ReadonlyMap<MetricName, Histogram>;

  constructor(meter: Meter) {
    const counter = ({ name, help, unit }: CounterSeries): Counter =>
      meter.createCounter(name, { description: help, unit, valueType: ValueType.INT });
    this.counters = {
      requests: counter(COUNTERS.requests),
      ok: counter(COUNTERS.ok),
      errors: counter(COUNTERS.errors),
      output: counter(COUNTERS.output),
      input: counter(COUNTERS.input),
    };
    this.histograms = new Map(
      TIMED.map((m) => [
        m,
        meter.createHistogram(histogramName(m), {
          description: METRIC_INFO[m].description,
          unit: 's',
          // Prometheus' buckets: the two outputs give the same histograms.
          advice: { explicitBucketBoundaries: BUCKETS },
        }),
      ]),
    );
  }

  completed(variant: string, how: Completed): void {
    const at = { variant };
    const c = this.counters;
    c.requests.add(1, at);
    // Zeros as well: a variant whose requests all failed has its ok and token series, as on /metrics.
    c.ok.add(how.ok ? 1 : 0, at);
    c.output.add(how.ok ? how.output : 0, at);
    c.input.add(how.ok ? how.input : 0, at);
    if (!how.ok) c.errors.add(1, { variant, class: how.failure });
  }

  observe(variant: string, metric: MetricName, seconds: number): void {
    this.histograms.get(metric)?.record(seconds, { variant });
  }
}

/** An export's failure in a word: the HTTP status, the socket's error code, else the message. */
function reason(err: Error | undefined): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'number') return `HTTP ${code}`;
  if (typeof code === 'string') return code;
  return err?.message ?? 'no reason given';
}

/**
 * The OTLP/HTTP (JSON) exporter, keeping count of what became of its exports: the SDK hands a failed
 * export to its global error handler, which says nothing, and an output's failure must be told.
 */
class CountingExporter extends OTLPMetricExporter {
  tried = 0;
  failed = 0;
  lastFailure: string | undefined;
  lastOk = true;

  override export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    super.export(metrics, (result) => {
      this.tried++;
      this.lastOk = result.code === ExportResultCode.SUCCESS;
      if (!this.lastOk) {
        this.failed++;
        this.lastFailure = reason(result.error);
      }
      done(result);
    });
  }

  /** What went wrong, for the warning; undefined when every export arrived. */
  problem(lateEnd: boolean): string | undefined {
    const tally = `${this.failed} of ${this.tried} exports failed`;
    if (lateEnd) return `the final export did not end within ${SHUTDOWN_MS / 1000} s (${tally})`;
    if (this.failed === 0) return undefined;
    if (!this.lastOk)
      return `the final export failed (${this.lastFailure}): the receiver lacks the run's last figures (${tally})`;
    return `${tally} (last: ${this.lastFailure}); the final one arrived, with the run's totals`;
  }
}

/** The SDK set up for one run: where its figures go, and its end. */
export interface Pipeline {
  sink: SeriesSink;
  /** Exports the final values and closes; resolves to what went wrong, undefined when every export arrived. */
  end(): Promise<string | undefined>;
}

/**
 * A MeterProvider whose PeriodicExportingMetricReader pushes the series of series.ts as OTLP/HTTP JSON
 * every `intervalMs`, and once more at the end. Counters are cumulative, as Prometheus' are, so a lost
 * export costs a point of the curve, never a count: the next one carries the totals.
 */
export function openPipeline(url: string, intervalMs: number, run: RunLabel): Pipeline {
  const exporter = new CountingExporter({
    url,
    timeoutMillis: EXPORT_TIMEOUT_MS,
    temporalityPreference: AggregationTemporalityPreference.CUMULATIVE,
  });
  const resource = defaultResource().merge(
    resourceFromAttributes({
      'service.name': 'wirebench',
      'wirebench.scenario': run.scenario,
      'wirebench.run': run.run,
    }),
  );
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: intervalMs,
    // The exporter's own timeout ends an export first; this only backs it up.
    exportTimeoutMillis: Math.min(intervalMs, EXPORT_TIMEOUT_MS + 1000),
  });
  const provider = new MeterProvider({ resource, readers: [reader] });
  return {
    sink: new Instruments(provider.getMeter('wirebench')),
    end: async () => {
      // Shutdown exports the final values (the reader's forceFlush) and then closes the exporter: one
      // bounded final export, where a forceFlush before it would send the same totals twice.
      const late = await provider.shutdown({ timeoutMillis: SHUTDOWN_MS }).then(
        () => false,
        () => true,
      );
      return exporter.problem(late);
    },
  };
}
