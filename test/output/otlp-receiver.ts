import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';

import { expect } from 'vitest';

import { COUNTERS } from '../../src/output/series.js';
import type { Json } from '../cli/helpers.js';

/**
 * A real OTLP/HTTP receiver for the tests: `POST /v1/metrics` on a loopback port, the JSON encoding the
 * http exporter sends (opentelemetry-proto's JSON mapping), decoded strictly: a request that is not one
 * is answered 400 and kept in `rejected`, so a test sees it. `status` is what it answers (200, or 500 to
 * play a failing receiver); every export it decoded is in `exports`, whatever it answered.
 */

interface Attribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string };
}

interface SumPoint {
  attributes: Attribute[];
  asInt?: number | string;
  asDouble?: number;
}

interface HistogramPoint {
  attributes: Attribute[];
  count: number | string;
  sum: number;
  bucketCounts: (number | string)[];
  explicitBounds: number[];
}

interface Metric {
  name: string;
  unit: string;
  description: string;
  sum?: { dataPoints: SumPoint[]; aggregationTemporality: number; isMonotonic: boolean };
  histogram?: { dataPoints: HistogramPoint[]; aggregationTemporality: number };
}

/** One export request, as POSTed. */
export interface MetricsExport {
  resourceMetrics: { resource: { attributes: Attribute[] }; scopeMetrics: { metrics: Metric[] }[] }[];
}

export interface Receiver {
  url: string;
  port: number;
  status: number;
  exports: MetricsExport[];
  rejected: string[];
  /** The last export request's headers. */
  headers: IncomingHttpHeaders;
  close(): Promise<void>;
}

/** opentelemetry-proto's aggregation temporality: every series here is cumulative. */
const CUMULATIVE = 2;

function check(body: unknown): MetricsExport {
  const e = body as MetricsExport;
  if (!Array.isArray(e.resourceMetrics)) throw new Error('no resourceMetrics');
  for (const m of metrics(e)) {
    if (m.sum !== undefined && (m.sum.aggregationTemporality !== CUMULATIVE || !m.sum.isMonotonic))
      throw new Error(`${m.name}: not a cumulative monotonic sum`);
    for (const p of m.histogram?.dataPoints ?? []) {
      if (m.histogram!.aggregationTemporality !== CUMULATIVE) throw new Error(`${m.name}: not cumulative`);
      const inBuckets = p.bucketCounts.reduce<number>((n, c) => n + Number(c), 0);
      if (p.bucketCounts.length !== p.explicitBounds.length + 1 || inBuckets !== Number(p.count))
        throw new Error(`${m.name}: buckets do not add up to the count`);
    }
  }
  return e;
}

export async function startReceiver(status = 200): Promise<Receiver> {
  const exports: MetricsExport[] = [];
  const rejected: string[] = [];
  let server: Server | undefined = undefined;
  const r: Receiver = {
    url: '',
    port: 0,
    status,
    exports,
    rejected,
    headers: {},
    close: () => new Promise<void>((resolve) => (server!.closeAllConnections(), server!.close(() => resolve()))),
  };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        if (req.method !== 'POST' || req.url !== '/v1/metrics') throw new Error(`${req.method} ${req.url}`);
        if (req.headers['content-type'] !== 'application/json') throw new Error(`${req.headers['content-type']}`);
        const body = Buffer.concat(chunks);
        const json = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
        const e = check(JSON.parse(json.toString('utf8')));
        r.headers = req.headers;
        exports.push(e);
        res.writeHead(r.status, { 'content-type': 'application/json' }).end('{}');
      } catch (err) {
        rejected.push((err as Error).message);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.port = (server.address() as { port: number }).port;
  r.url = `http://127.0.0.1:${r.port}`;
  return r;
}

const metrics = (e: MetricsExport): Metric[] =>
  e.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics));

const attrs = (list: Attribute[]): Record<string, string> =>
  Object.fromEntries(list.map((a) => [a.key, String(a.value.stringValue ?? a.value.intValue)]));

const matches = (list: Attribute[], want: Record<string, string>): boolean => {
  const have = attrs(list);
  return Object.keys(have).length === Object.keys(want).length && Object.entries(want).every(([k, v]) => have[k] === v);
};

/** The resource's attributes of an export. */
export const resourceOf = (e: MetricsExport): Record<string, string> => attrs(e.resourceMetrics[0].resource.attributes);

/** A counter's value for exactly these attributes; undefined when the export has no such point. */
export function counterValue(e: MetricsExport, name: string, want: Record<string, string>): number | undefined {
  const p = metrics(e)
    .find((m) => m.name === name)
    ?.sum?.dataPoints.find((d) => matches(d.attributes, want));
  return p === undefined ? undefined : Number(p.asInt ?? p.asDouble);
}

/** Every `class` a counter has points for, for a variant. */
export function classesOf(e: MetricsExport, name: string, variant: string): string[] {
  const points = metrics(e).find((m) => m.name === name)?.sum?.dataPoints ?? [];
  return points.map((d) => attrs(d.attributes)).flatMap((a) => (a.variant === variant ? [a.class] : []));
}

/** A histogram's point for a variant: count, sum, the bounds and the per-bucket counts. */
export function histogramOf(
  e: MetricsExport,
  name: string,
  variant: string,
): { count: number; sum: number; bounds: number[]; counts: number[]; unit: string } | undefined {
  const m = metrics(e).find((x) => x.name === name);
  const p = m?.histogram?.dataPoints.find((d) => matches(d.attributes, { variant }));
  if (m === undefined || p === undefined) return undefined;
  return {
    count: Number(p.count),
    sum: p.sum,
    bounds: p.explicitBounds,
    counts: p.bucketCounts.map(Number),
    unit: m.unit,
  };
}

/** The unit a metric is exported with. */
export const unitOf = (e: MetricsExport, name: string): string | undefined =>
  metrics(e).find((m) => m.name === name)?.unit;

/** The export's counters of a variant (requests, ok, errors by class, output tokens) are result.json's `v`. */
export function expectCounts(e: MetricsExport, v: Json): void {
  const variant = { variant: v.name as string };
  expect(counterValue(e, COUNTERS.requests.name, variant)).toBe(v.counts.requests);
  expect(counterValue(e, COUNTERS.ok.name, variant)).toBe(v.counts.ok);
  expect(classesOf(e, COUNTERS.errors.name, v.name).sort()).toEqual(Object.keys(v.counts.errors).sort());
  for (const [cls, n] of Object.entries(v.counts.errors))
    expect(counterValue(e, COUNTERS.errors.name, { ...variant, class: cls })).toBe(n);
  expect(counterValue(e, COUNTERS.output.name, variant)).toBe(v.tokens.output);
}
