import { MetricSet } from '../metrics/metric-set.js';
import { compareVariants, type Result, type VariantResult } from './result.js';

export class MergeError extends Error {}

const scenarioName = (r: Result): string => String((r.scenario as { name?: unknown } | null)?.name ?? '?');

/** Refuses a set that is not the n shards of one scenario run once each. */
function checkShards(results: readonly Result[]): void {
  if (results.length < 2) throw new MergeError('merge needs at least two shard results');
  const names = new Set(results.map(scenarioName));
  if (names.size > 1) throw new MergeError(`the results ran different scenarios (${[...names].join(', ')}): their numbers do not add up`);
  const unsharded = results.findIndex((r) => r.shard === undefined);
  if (unsharded >= 0) throw new MergeError(`result ${unsharded + 1} is not a shard (run each part with --shard i/n)`);
  const counts = new Set(results.map((r) => r.shard!.count));
  if (counts.size > 1) throw new MergeError(`the results split the load differently (n = ${[...counts].join(', ')})`);
  const seen = new Map<number, number>();
  results.forEach((r, i) => {
    const first = seen.get(r.shard!.index);
    if (first !== undefined) throw new MergeError(`results ${first + 1} and ${i + 1} are both shard ${r.shard!.index}/${r.shard!.count}`);
    seen.set(r.shard!.index, i);
  });
  if (results.some((r) => r.steps !== undefined)) throw new MergeError('merging sweep results is not supported yet');
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function addRecords(parts: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/**
 * One variant across shards. Histograms add exactly and every percentile is recomputed from the sum —
 * never averaged. Shards run side by side, so the union window is the longest of theirs and throughput
 * is the summed work over it.
 */
function mergeVariant(parts: readonly VariantResult[]): VariantResult {
  const set = new MetricSet();
  for (const p of parts) set.addEncoded(Object.fromEntries(Object.entries(p.metrics).map(([m, s]) => [m, s!.hdr])));
  const window = Math.max(...parts.map((p) => p.window_s));
  const ok = sum(parts.map((p) => p.counts.ok));
  const output = sum(parts.map((p) => p.tokens.output));
  const [first] = parts;
  const optionalCount = (k: 'interrupted' | 'cancelled' | 'retries') => {
    const n = sum(parts.map((p) => p.counts[k] ?? 0));
    return n > 0 ? { [k]: n } : {};
  };
  const bySource = addRecords(parts.map((p) => p.tokens.by_source)) as VariantResult['tokens']['by_source'];
  const sources = new Set(parts.map((p) => p.tokens.source));
  return {
    name: first.name,
    protocol: first.protocol,
    connection: first.connection,
    counts: {
      requests: sum(parts.map((p) => p.counts.requests)),
      ok,
      errors: addRecords(parts.map((p) => p.counts.errors)),
      warmup: sum(parts.map((p) => p.counts.warmup)),
      ...optionalCount('interrupted'),
      ...optionalCount('cancelled'),
      ...optionalCount('retries'),
    },
    tokens: {
      output,
      input: sum(parts.map((p) => p.tokens.input)),
      source: sources.size === 1 ? first.tokens.source : 'mixed',
      by_source: bySource,
    },
    connections: { opened: sum(parts.map((p) => p.connections.opened)) },
    window_s: window,
    throughput: {
      requests_per_s: window > 0 ? Math.round((ok / window) * 100) / 100 : 0,
      output_tokens_per_s: window > 0 ? Math.round((output / window) * 10) / 10 : 0,
    },
    ...(parts.every((p) => p.rate !== undefined)
      ? { rate: { requested: sum(parts.map((p) => p.rate!.requested)), achieved: Math.round(sum(parts.map((p) => p.rate!.achieved)) * 100) / 100 } }
      : {}),
    metrics: set.summaries(),
  };
}

/** Adds the n shard results of one scenario into the result of the whole run. */
export function mergeResults(results: readonly Result[]): Result {
  checkShards(results);
  const [first] = results;
  const names = first.variants.map((v) => v.name);
  const variants = names.map((name) => {
    const parts = results.map((r, i) => {
      const v = r.variants.find((x) => x.name === name);
      if (v === undefined) throw new MergeError(`shard result ${i + 1} has no variant ${name}`);
      return v;
    });
    return mergeVariant(parts);
  });
  const starts = results.map((r) => r.env.started_at).sort();
  const ends = results.map((r) => r.env.ended_at).sort();
  return {
    schema: 'wirebench.result/v1',
    complete: results.every((r) => r.complete),
    merged_from: results.length,
    scenario: first.scenario,
    target: first.target,
    env: { ...first.env, hostname: [...new Set(results.map((r) => r.env.hostname))].join(','), started_at: starts[0], ended_at: ends[ends.length - 1] },
    variants,
    comparisons: compareVariants(variants),
    warnings: [
      `merged from ${results.length} shards: histograms added exactly, percentiles recomputed; throughput over the longest shard window (shards run side by side); claims and thresholds are not re-evaluated`,
      ...results.flatMap((r) => r.warnings.map((w) => `shard ${r.shard!.index}/${r.shard!.count}: ${w}`)),
    ],
  };
}
