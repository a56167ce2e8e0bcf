import { readResult } from '../result/read.js';
import type { Result } from '../result/result.js';
import { mergeResults } from '../run/merge.js';
import {
  type CompareOptions,
  type CompareOutcome,
  compareResults,
  type ResultSource,
} from '../stats/compare-results.js';

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
