import path from 'node:path';

import { readResult, resultPath } from '../result/read.js';
import { type Result, scenarioName, variantKey, type VariantResult } from '../result/result.js';
import { compareVariantPair, histogramsOnly, type MetricComparison, type SampleSource } from './compare.js';
import { checkRule, type FailOn, parseFailOn, type RuleOutcome } from './fail-on.js';
import { readRequestSamples, SampleMemory } from './request-samples.js';

/**
 * Compare's whole flow from two results to comparisons and rule verdicts, without printing: the CLI's
 * `compare` prints what this returns, and the programmatic API returns it as it is.
 */

/** A result as compare takes it: its result.json (or folder), or the object itself (no requests.jsonl then). */
export type ResultSource = string | Result;

export interface CompareOptions {
  /** Compare this variant of the baseline… */
  baselineVariant?: string;
  /** …with this one of the candidate. */
  candidateVariant?: string;
  /** Rules such as `ttft_ms.p99>+10%`, `e2e_ms.max<2000` or `errors.rate>0.01` (see `--fail-on`). */
  failOn?: readonly string[];
  /** Compare results of different scenarios. */
  force?: boolean;
  /** Seed of the bootstrap (default 1). */
  seed?: number;
  /** False: resample the histograms even where requests.jsonl has exact values (default true). */
  requests?: boolean;
}

export interface CompareOutcome {
  /** The results compared, as read. */
  baseline: Result;
  candidate: Result;
  comparisons: MetricComparison[];
  /** Every `failOn` rule checked on every pair of variants; `ok: false` fails a CI gate. */
  rules: RuleOutcome[];
  /** What was tolerated in reading requests.jsonl (e.g. a cut-short last line). */
  warnings: string[];
}

/** Input that cannot be compared (a usage error, exit 2 in the CLI): unknown variants, a bad rule, … */
export class CompareError extends Error {
  override readonly name = 'CompareError';
}

/** A result's variants, those of a sweep named by step (`step2.ws-persistent`). */
export function variantsOf(r: Result): Map<string, VariantResult> {
  const out = new Map<string, VariantResult>();
  for (const v of r.variants) out.set(v.name, v);
  r.steps?.forEach((st, k) =>
    st.variants.forEach((v) => out.set(variantKey(v.name, k), { ...v, name: variantKey(v.name, k) })),
  );
  return out;
}

function pairsOf(base: Result, cand: Result, opts: CompareOptions): [VariantResult, VariantResult][] {
  const bv = variantsOf(base);
  const cv = variantsOf(cand);
  if (opts.baselineVariant !== undefined || opts.candidateVariant !== undefined) {
    const b = bv.get(opts.baselineVariant ?? opts.candidateVariant!);
    const c = cv.get(opts.candidateVariant ?? opts.baselineVariant!);
    if (b === undefined || c === undefined)
      throw new CompareError(
        `no such variant (baseline has ${[...bv.keys()].join(', ')}; candidate has ${[...cv.keys()].join(', ')})`,
      );
    return [[b, c]];
  }
  const pairs: [VariantResult, VariantResult][] = [];
  for (const [name, b] of bv) if (cv.has(name)) pairs.push([b, cv.get(name)!]);
  if (pairs.length === 0)
    throw new CompareError(
      'the two results share no variant name; pick them with --baseline-variant/--candidate-variant',
    );
  return pairs;
}

/**
 * The exact per-request samples of the variants `keys` names, from the requests.jsonl beside a result
 * file (read once, streamed) within `memory` (shared by both results); without one, every metric is
 * compared from its histogram.
 */
async function requestSamples(
  source: ResultSource,
  keys: string[],
  use: boolean,
  memory: SampleMemory,
  warnings: string[],
): Promise<(key: string) => SampleSource> {
  if (!use) return () => histogramsOnly('--no-requests');
  if (typeof source !== 'string') return () => histogramsOnly('a result object, not a file');
  const file = path.join(path.dirname(resultPath(source)), 'requests.jsonl');
  const read = await readRequestSamples(file, keys, memory).catch((err: unknown) => {
    throw new CompareError((err as Error).message, { cause: err });
  });
  if (read === undefined) return () => histogramsOnly('no requests.jsonl');
  warnings.push(...read.warnings);
  return (key) => read.variants.get(key)!;
}

/** Whether both sides are one result: then its requests.jsonl is read once, and a variant may not meet itself. */
function sameResult(base: ResultSource, cand: ResultSource | undefined): boolean {
  if (cand === undefined || cand === base) return true;
  return (
    typeof base === 'string' &&
    typeof cand === 'string' &&
    path.resolve(resultPath(cand)) === path.resolve(resultPath(base))
  );
}

const nameOf = (s: ResultSource): string => (typeof s === 'string' ? s : `the result of ${scenarioName(s)}`);

/**
 * Compares `candidate` (default: the baseline itself, two of its variants) with `baseline`. Throws a
 * CompareError, or the ResultFileError of an unreadable file, on input that cannot be compared.
 */
export async function compareResults(
  baseline: ResultSource,
  candidate: ResultSource | undefined,
  opts: CompareOptions = {},
): Promise<CompareOutcome> {
  let rules: FailOn[];
  try {
    rules = (opts.failOn ?? []).map(parseFailOn);
  } catch (err) {
    throw new CompareError((err as Error).message);
  }
  const base = typeof baseline === 'string' ? readResult(baseline) : baseline;
  const cand = candidate === undefined ? base : typeof candidate === 'string' ? readResult(candidate) : candidate;
  if (scenarioName(base) !== scenarioName(cand) && opts.force !== true)
    throw new CompareError(
      `the baseline ran scenario "${scenarioName(base)}" and the candidate "${scenarioName(cand)}": their numbers measure different things (add --force to compare anyway)`,
    );
  const pairs = pairsOf(base, cand, opts);
  const one = sameResult(baseline, candidate);
  const itself = pairs.find(([b, c]) => one && b.name === c.name);
  if (itself !== undefined)
    throw new CompareError(
      `this compares ${nameOf(baseline)} (variant ${itself[0].name}) with itself: give a candidate result, ` +
        'or two of its variants with --baseline-variant and --candidate-variant',
    );
  const use = opts.requests ?? true;
  const warnings: string[] = [];
  // One allowance of exact samples for both results: past it, metrics fall back to their histograms.
  const memory = new SampleMemory();
  const baseKeys = pairs.flatMap(([b, c]) => (one ? [b.name, c.name] : [b.name]));
  const baseSamples = await requestSamples(baseline, baseKeys, use, memory, warnings);
  const candSamples = one
    ? baseSamples
    : await requestSamples(
        candidate!,
        pairs.map(([, c]) => c.name),
        use,
        memory,
        warnings,
      );
  const compared = pairs.map(([b, c]) => ({
    b,
    c,
    comparisons: compareVariantPair(b, c, opts.seed ?? 1, {
      baseline: baseSamples(b.name),
      candidate: candSamples(c.name),
    }),
  }));
  const comparisons = compared.flatMap((p) => p.comparisons);
  const outcomes = rules.flatMap((rule) => compared.map((p) => checkRule(rule, p.b, p.c, p.comparisons)));
  return { baseline: base, candidate: cand, comparisons, rules: outcomes, warnings };
}
