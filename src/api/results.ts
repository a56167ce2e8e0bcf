import { readResult } from '../result/read.js';
import type { Result } from '../result/result.js';
import { mergeResults } from '../run/merge.js';
import {
  type CompareOptions,
  type CompareOutcome,
  compareResults,
  type ResultSource,
} from '../stats/compare-results.js';
import { trendOf, type TrendOptions, type TrendOutcome } from '../stats/trend.js';

/**
 * Compares `candidate` with `baseline` as `wirebench compare` does, and returns the comparisons and the
 * `failOn` rules they break instead of printing them. The same result (object or file) on both sides
 * compares two of its variants (`baselineVariant`, `candidateVariant`). Exact per-request samples come
 * from the requests.jsonl beside a result file; a result object is compared from its histograms.
 */
export function compare(
  baseline: ResultSource,
  candidate: ResultSource,
  opts: CompareOptions = {},
): Promise<CompareOutcome> {
  return compareResults(baseline, candidate, opts);
}

/**
 * Adds the results of a run's shards into the result of the whole run, as `wirebench merge` does; the
 * shards' interval logs are not merged (that takes their folders and a place to write: the CLI does it).
 * Throws a MergeError for a set that does not add up, a ResultFileError for an unreadable file.
 */
export function merge(results: readonly ResultSource[]): Result {
  return mergeResults(results.map((r) => (typeof r === 'string' ? readResult(r) : r)));
}

/**
 * The history of a scenario's runs, as `wirebench trend` computes it: per variant and metric each run's
 * p50 and p99 and compare's comparison with the run before, without printing it. `results` are result
 * objects or paths: result.json files, result folders, or folders of result folders. Throws a TrendError
 * for input it cannot follow (an unknown metric, mixed scenarios), a ResultFileError for an unreadable file.
 */
export function trend(results: readonly ResultSource[], opts: TrendOptions = {}): Promise<TrendOutcome> {
  return trendOf(results, opts);
}
