import { SERVER_METRIC_INFO, SERVER_METRICS } from '../core/server-metrics.js';
import type { BucketQuantileMs, VariantResult } from '../result/result.js';
import { fmtMs } from './format.js';
import { type Group, variantTables } from './report-tables.js';

const STATS = ['mean', 'p50', 'p90', 'p99'] as const;

/** Under every server-vs-client table: what the two columns are and what their difference is not. */
export const SERVER_NOTE =
  "server: the endpoint's own histograms (server_metrics), scraped around each of the variant's blocks, its " +
  'warm-up requests included; its quantiles are interpolated within the bucket shown, its mean is exact. ' +
  'client − server: the transport and network share (and the client’s own), as a difference of two ' +
  'distributions over the same requests, not of paired requests; in brackets the range the server’s bucket ' +
  'leaves it (the mean’s is exact).';

const bucket = (q: BucketQuantileMs): string => `${fmtMs(q.lo)}–${q.hi === null ? '∞' : fmtMs(q.hi)}`;

/** Client − server for a quantile, with the range its bucket allows: `18.71 [13.71, 23.71]`. */
function splitCell(split: number, client: number | undefined, q: BucketQuantileMs): string {
  if (client === undefined) return fmtMs(split);
  const low = q.hi === null ? '−∞' : fmtMs(client - q.hi);
  return `${fmtMs(split)} [${low}, ${fmtMs(client - q.lo)}]`;
}

/**
 * A variant's latencies as the server measured them beside the client's, and their difference: a row per
 * latency and statistic; undefined without `server_metrics` figures.
 */
export function serverRows(v: VariantResult): string[][] | undefined {
  const sm = v.server_metrics;
  if (sm === undefined || Object.keys(sm.metrics).length === 0) return undefined;
  const rows = [['', '', 'client', 'server', 'server bucket', 'client − server [range]']];
  for (const m of SERVER_METRICS) {
    const s = sm.metrics[m];
    if (s === undefined) continue;
    const info = SERVER_METRIC_INFO[m];
    const c = info.client === undefined ? undefined : v.metrics[info.client];
    const split = sm.split[m];
    STATS.forEach((stat, i) => {
      const server = stat === 'mean' ? s.mean : s[stat].value;
      rows.push([
        i === 0 ? `${info.label} ms (n ${s.count})` : '',
        stat,
        c === undefined ? '-' : fmtMs(c[stat]),
        fmtMs(server),
        stat === 'mean' ? 'exact' : bucket(s[stat]),
        split === undefined ? '-' : stat === 'mean' ? fmtMs(split.mean) : splitCell(split[stat], c?.[stat], s[stat]),
      ]);
    });
  }
  return rows;
}

/** Where the server's figures came from, for a table's caption. */
export function serverSource(v: VariantResult): string {
  const sm = v.server_metrics;
  return sm === undefined
    ? ''
    : `${sm.preset} histograms at ${sm.url}, ${sm.blocks} block${sm.blocks === 1 ? '' : 's'}`;
}

/** The reports' table per variant (per step with a sweep) that has server figures, with its title. */
export function serverTables(all: readonly Group[]): { title: string; source: string; rows: string[][] }[] {
  return variantTables(all, serverRows).map((t) => ({ title: t.title, source: serverSource(t.variant), rows: t.rows }));
}
