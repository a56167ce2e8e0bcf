/**
 * `server_metrics`: scrapes the endpoint's own latency histograms at every block boundary of a run and
 * gives each variant what the server observed during its blocks — the difference of the scrapes around
 * each block, summed over its blocks — beside the client's figures for the same requests.
 *
 * One scrape ends a block and starts the next, so interleaved variants cost one scrape per block.
 * Scraping never fails a run: a failed scrape costs the blocks on either side of it, and says so.
 */
import {
  PRESET_HISTOGRAMS,
  SERVER_METRIC_INFO,
  SERVER_METRICS,
  type ServerMetric,
  type ServerPreset,
} from '../core/server-metrics.js';
import type {
  BucketQuantileMs,
  MetricSummary,
  ServerDistribution,
  ServerMetricsResult,
  ServerSplit,
  VariantResult,
} from '../result/result.js';
import { fetchMetricsText } from './fetch.js';
import { add, type BucketHistogram, quantile, subtract } from './histogram.js';
import { parseHistograms } from './prom-text.js';

export interface ServerMetricsSource {
  url: string;
  preset: ServerPreset;
  /** Only series carrying all these labels (e.g. one model of several). */
  labels: Readonly<Record<string, string>>;
  timeoutMs: number;
  /** The certificate to trust for an https URL (the embedded server's own). */
  ca?: string;
}

interface Observed {
  blocks: number;
  metrics: Partial<Record<ServerMetric, { histogram: string; h: BucketHistogram }>>;
}

export class ServerMetricsTracker {
  private readonly names: ReadonlySet<string>;
  private last: Map<string, BucketHistogram> | undefined;
  /** The label of the block running since the last scrape. */
  private current: string | undefined;
  private readonly observed = new Map<string, Observed>();
  private failed = 0;
  private firstFailure = '';
  private discarded = 0;

  constructor(
    private readonly source: ServerMetricsSource,
    private readonly fetchText: (s: ServerMetricsSource) => Promise<string> = (s) =>
      fetchMetricsText(s.url, s.timeoutMs, s.ca),
  ) {
    this.names = new Set(Object.values(PRESET_HISTOGRAMS[source.preset]).flat());
  }

  /**
   * Scrapes, credits what the server observed since the last scrape to the block that ran in between,
   * and notes `next` as the block about to run (undefined: none, the step is over).
   */
  async mark(next: string | undefined): Promise<void> {
    let snapshot: Map<string, BucketHistogram> | undefined;
    try {
      snapshot = parseHistograms(await this.fetchText(this.source), this.names, this.source.labels);
    } catch (err) {
      if (this.failed++ === 0) this.firstFailure = (err as Error)?.message ?? String(err);
    }
    if (this.current !== undefined && snapshot !== undefined && this.last !== undefined)
      this.credit(this.current, snapshot, this.last);
    this.last = snapshot;
    this.current = next;
  }

  private credit(label: string, after: Map<string, BucketHistogram>, before: Map<string, BucketHistogram>): void {
    const o = this.observed.get(label) ?? { blocks: 0, metrics: {} };
    const deltas: Observed['metrics'] = {};
    for (const m of SERVER_METRICS) {
      const histogram = PRESET_HISTOGRAMS[this.source.preset][m]?.find((n) => after.has(n));
      if (histogram === undefined) continue;
      const d = subtract(after.get(histogram)!, before.get(histogram));
      const prev = o.metrics[m];
      const sum = d === undefined ? undefined : prev === undefined ? d : add(prev.h, d);
      // A restarted server or changed buckets: this block cannot be told apart from what came before.
      if (sum === undefined || (prev !== undefined && prev.histogram !== histogram)) {
        this.discarded++;
        return;
      }
      deltas[m] = { histogram, h: sum };
    }
    o.blocks++;
    Object.assign(o.metrics, deltas);
    this.observed.set(label, o);
  }

  /** What went wrong, once each, for the result's warnings. */
  warnings(): string[] {
    const out: string[] = [];
    const where = `server_metrics (${this.source.url})`;
    if (this.failed > 0)
      out.push(
        `${where}: ${this.failed} scrape(s) failed (${this.firstFailure}); the blocks around them are not counted`,
      );
    if (this.discarded > 0)
      out.push(
        `${where}: ${this.discarded} block(s) left out: a counter went down or the buckets changed (server restarted?)`,
      );
    const any = [...this.observed.values()].some((o) => Object.keys(o.metrics).length > 0);
    if (this.observed.size > 0 && !any)
      out.push(`${where}: none of the ${this.source.preset} preset's histograms was found on the page`);
    return out;
  }

  /** The server's view of the variant labelled `label`, beside its client figures; undefined if never scraped. */
  result(label: string, client: VariantResult['metrics']): ServerMetricsResult | undefined {
    const o = this.observed.get(label);
    if (o === undefined) return undefined;
    const metrics: ServerMetricsResult['metrics'] = {};
    const split: ServerMetricsResult['split'] = {};
    for (const m of SERVER_METRICS) {
      const seen = o.metrics[m];
      if (seen === undefined || seen.h.count === 0) continue;
      const dist = distribution(seen.histogram, seen.h);
      metrics[m] = dist;
      const clientMetric = SERVER_METRIC_INFO[m].client;
      const c = clientMetric === undefined ? undefined : client[clientMetric];
      if (c !== undefined) split[m] = splitOf(c, dist);
    }
    return { preset: this.source.preset, url: this.source.url, blocks: o.blocks, metrics, split };
  }
}

const ms = (s: number): number => Math.round(s * 1e6) / 1e3;

function quantileMs(h: BucketHistogram, q: number): BucketQuantileMs {
  const b = quantile(h, q)!;
  return { value: ms(b.value), lo: ms(b.lo), hi: b.hi === Infinity ? null : ms(b.hi) };
}

function distribution(histogram: string, h: BucketHistogram): ServerDistribution {
  return {
    histogram,
    count: h.count,
    mean: ms(h.sum / h.count),
    p50: quantileMs(h, 0.5),
    p90: quantileMs(h, 0.9),
    p99: quantileMs(h, 0.99),
  };
}

function splitOf(c: MetricSummary, s: ServerDistribution): ServerSplit {
  const d = (x: number): number => Math.round(x * 1e3) / 1e3;
  return {
    mean: d(c.mean - s.mean),
    p50: d(c.p50 - s.p50.value),
    p90: d(c.p90 - s.p90.value),
    p99: d(c.p99 - s.p99.value),
  };
}
