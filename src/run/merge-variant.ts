import type { Definition } from '../core/definitions.js';
import { DefinitionSet } from '../metrics/definition-set.js';
import { MetricSet } from '../metrics/metric-set.js';
import { tokenSource, type VariantResult } from '../result/result.js';
import { goodput, throughput, wire } from './variant-result.js';

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const total = <T>(parts: readonly T[], figure: (p: T) => number): number => sum(parts.map(figure));

function addRecords<T extends Record<string, number>>(parts: readonly T[]): T {
  const out: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p)) out[k] = (out[k] ?? 0) + v;
  return out as T;
}

/**
 * The window the shards' summed work is divided by. A part's `window_s` is the sum of its blocks (its
 * variant may have alternated with others), so its own first start → last end can be longer; across
 * shards only those wall-clock ends are known, not where each block lay. For each part: its window plus
 * the time the union of all parts (earliest start → latest end) reaches beyond that part's own start and
 * end; the merged window is the largest of these. That is exact in the two plain cases — variants not
 * interleaved (each part's window is its span: the union itself) and shards started and ended together
 * (the longest window) — and otherwise stays between the longest part's window and the union. Parts with
 * no measured request (no start or end) count with their window alone.
 */
function unionWindow(parts: readonly VariantResult[]): Pick<VariantResult, 'window_s' | 'started_at' | 'ended_at'> {
  const timed = parts.flatMap((p) =>
    p.started_at === undefined || p.ended_at === undefined
      ? []
      : [{ p, start: Date.parse(p.started_at), end: Date.parse(p.ended_at) }],
  );
  if (timed.length === 0) return { window_s: Math.max(...parts.map((p) => p.window_s)) };
  const start = Math.min(...timed.map((t) => t.start));
  const end = Math.max(...timed.map((t) => t.end));
  const beyond = new Map(timed.map((t) => [t.p, (end - start - (t.end - t.start)) / 1000]));
  const longest = Math.max(...parts.map((p) => p.window_s));
  // The absolute times are whole milliseconds and the windows are not: a window may exceed its own
  // rounded span by up to 1 ms, which must not carry the estimate past the union.
  const window = Math.max(
    longest,
    Math.min((end - start) / 1000, Math.max(...parts.map((p) => p.window_s + (beyond.get(p) ?? 0)))),
  );
  return {
    window_s: Math.round(window * 1000) / 1000,
    started_at: new Date(start).toISOString(),
    ended_at: new Date(end).toISOString(),
  };
}

/**
 * One variant across shards. Histograms add exactly and every percentile is recomputed from the sum —
 * never averaged. Counts and tokens add up; rates are the summed work over the union window.
 */
export function mergeVariant(parts: readonly VariantResult[]): VariantResult {
  const set = new MetricSet();
  for (const p of parts) set.addEncoded(Object.fromEntries(Object.entries(p.metrics).map(([m, s]) => [m, s.hdr])));
  const window = unionWindow(parts);
  const ok = total(parts, (p) => p.counts.ok);
  const requests = total(parts, (p) => p.counts.requests);
  const output = total(parts, (p) => p.tokens.output);
  const [first] = parts;
  const bySource = addRecords(parts.map((p) => p.tokens.by_source));
  const optionalCount = (k: 'interrupted' | 'cancelled' | 'retries') => {
    const n = total(parts, (p) => p.counts[k] ?? 0);
    return n > 0 ? { [k]: n } : {};
  };
  const wired = parts.flatMap((p) => (p.wire === undefined ? [] : [p.wire]));
  const goodputs = parts.flatMap((p) => (p.goodput === undefined ? [] : [p.goodput]));
  const sessions = parts.flatMap((p) => (p.sessions === undefined ? [] : [p.sessions]));
  const rates = parts.flatMap((p) => (p.rate === undefined ? [] : [p.rate]));
  const lengths = parts.flatMap((p) => (p.output_lengths === undefined ? [] : [p.output_lengths]));
  const cached = parts.flatMap((p) => (p.tokens.cached_input === undefined ? [] : [p.tokens.cached_input]));
  return {
    name: first.name,
    protocol: first.protocol,
    connection: first.connection,
    counts: {
      requests,
      ok,
      errors: addRecords(parts.map((p) => p.counts.errors)),
      warmup: total(parts, (p) => p.counts.warmup),
      ...optionalCount('interrupted'),
      ...optionalCount('cancelled'),
      ...optionalCount('retries'),
    },
    ...firstErrors(parts),
    tokens: {
      output,
      input: total(parts, (p) => p.tokens.input),
      source: tokenSource(bySource),
      by_source: bySource,
      ...(cached.length > 0 ? { cached_input: sum(cached) } : {}),
    },
    ...(lengths.length > 0 ? { output_lengths: addRecords(lengths) } : {}),
    connections: { opened: total(parts, (p) => p.connections.opened) },
    ...(wired.length > 0
      ? {
          wire: wire(
            total(wired, (w) => w.bytes_in),
            total(wired, (w) => w.output_tokens),
          ),
        }
      : {}),
    ...window,
    throughput: throughput(ok, output, window.window_s),
    ...(rates.length === parts.length
      ? {
          rate: {
            requested: total(rates, (r) => r.requested),
            achieved: Math.round(total(rates, (r) => r.achieved) * 100) / 100,
          },
        }
      : {}),
    // Every shard ran the same slo: goodput counts add up, and share and rate follow from the sums.
    ...(goodputs.length > 0
      ? {
          goodput: goodput(
            total(goodputs, (g) => g.good),
            total(goodputs, (g) => g.requests),
            window.window_s,
          ),
        }
      : {}),
    ...(sessions.length > 0 ? { sessions: addRecords(sessions) } : {}),
    metrics: set.summaries(),
    ...mergeDefinitions(parts),
  };
}

/** The other tools' histograms added as the variant's own are; a tool any part computed is kept. */
function mergeDefinitions(parts: readonly VariantResult[]): Pick<VariantResult, 'definitions'> {
  const kinds = parts.flatMap((p) => Object.keys(p.definitions ?? {}) as Definition[]);
  if (kinds.length === 0) return {};
  const set = new DefinitionSet(kinds);
  for (const p of parts) if (p.definitions !== undefined) set.addSummaries(p.definitions);
  return { definitions: set.summaries() };
}

/** Each class's first failure from the first part that had one. */
function firstErrors(parts: readonly VariantResult[]): Pick<VariantResult, 'first_errors'> {
  const first: Record<string, string> = {};
  for (const p of parts) for (const [cls, text] of Object.entries(p.first_errors ?? {})) first[cls] ??= text;
  return Object.keys(first).length > 0 ? { first_errors: first } : {};
}
