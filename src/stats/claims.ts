import type { MetricName } from '../core/catalog.js';
import { decodeHistogram } from '../metrics/histogram.js';
import type { ClaimResult, VariantResult, Verdict } from '../result/result.js';
import { rng } from '../shared/rng.js';
import { bootstrapChange, Empirical } from './bootstrap.js';
import { unitsOf } from './compare.js';

/** A published claim as a scenario states it: "candidate cuts metric by `reduction` against baseline". */
export interface ClaimSpec {
  claim: string;
  /** The metric, or several in order of preference (the first both variants measured is used). */
  metric: MetricName | readonly MetricName[];
  baseline: string;
  candidate: string;
  /** Claimed reduction of the median: 0.8 for "−80%". */
  reduction: number;
  /** How far below the claim a measurement may be and still support it (absolute, 0.05 = 5 points). */
  tolerance: number;
}

const RESAMPLES = 2000;
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/**
 * Checks each claim on the medians of two variants. Verdict: `supported` when the whole 95% interval
 * of the measured reduction is at or above the claim less its tolerance, `not supported` when it is all
 * below, `inconclusive` when it straddles that line (or a side has no data): a claim is only called
 * either way when the run measured it precisely enough to tell.
 */
export function checkClaims(specs: readonly ClaimSpec[], variants: readonly VariantResult[], seed = 1): ClaimResult[] {
  const byName = new Map(variants.map((v) => [v.name, v]));
  return specs.map((spec) => {
    const head = {
      claim: spec.claim,
      baseline: spec.baseline,
      candidate: spec.candidate,
      claimed_reduction: spec.reduction,
    };
    const base = byName.get(spec.baseline);
    const cand = byName.get(spec.candidate);
    const metrics = typeof spec.metric === 'string' ? [spec.metric] : spec.metric;
    const metric = metrics.find((m) => (base?.metrics[m]?.count ?? 0) > 0 && (cand?.metrics[m]?.count ?? 0) > 0);
    if (base === undefined || cand === undefined || metric === undefined) {
      const reason = `no ${metrics.join(' or ')} samples on both ${spec.baseline} and ${spec.candidate}`;
      return { ...head, metric: null, verdict: 'inconclusive', reason };
    }
    const b = base.metrics[metric]!;
    const c = cand.metrics[metric]!;
    if (b.p50 <= 0)
      return { ...head, metric, verdict: 'inconclusive', reason: `${spec.baseline}'s median ${metric} is 0` };
    const change = bootstrapChange(
      Empirical.fromHistogram(decodeHistogram(b.hdr), unitsOf(base, metric)),
      Empirical.fromHistogram(decodeHistogram(c.hdr), unitsOf(cand, metric)),
      0.5,
      rng(seed),
      RESAMPLES,
    );
    // A reduction is the negated change: the interval flips.
    const reduction = -change.estimate;
    const lo = -change.hi;
    const hi = -change.lo;
    const line = spec.reduction - spec.tolerance;
    const verdict: Verdict = lo >= line ? 'supported' : hi < line ? 'not supported' : 'inconclusive';
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    const reason =
      `measured reduction ${pct(reduction)} (95% CI ${pct(lo)} to ${pct(hi)}) against the claimed ${pct(spec.reduction)}` +
      (spec.tolerance > 0 ? `, tolerance ${pct(spec.tolerance)}` : '');
    return {
      ...head,
      metric,
      baseline_p50: b.p50,
      candidate_p50: c.p50,
      reduction: round4(reduction),
      ci95: [round4(lo), round4(hi)],
      samples: { baseline: b.count, candidate: c.count },
      verdict,
      reason,
    };
  });
}
