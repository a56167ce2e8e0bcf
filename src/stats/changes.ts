import { metricsIn } from '../core/catalog.js';
import type { Comparison, VariantResult } from '../result/result.js';
import { compareMetric, pairUnits, significant } from './compare.js';

const COMPARED_METRICS = metricsIn('compared');

/**
 * Every variant against the first on the `compared` metrics: the change of medians, its bootstrap 95%
 * interval and whether it is significant — by the rule `wirebench compare` applies, from the histograms
 * (percentiles are never averaged). A summary that printed the bare change would show 0.03 ms of noise
 * on loopback as "-50%". A metric is skipped when either side has no data or the baseline median is 0
 * (no finite relative change).
 */
export function compareVariants(variants: readonly VariantResult[]): Comparison[] {
  const [baseline, ...candidates] = variants;
  const out: Comparison[] = [];
  for (const candidate of candidates) {
    for (const metric of COMPARED_METRICS) {
      const b = baseline.metrics[metric];
      const c = candidate.metrics[metric];
      if (b === undefined || c === undefined || b.count === 0 || c.count === 0 || b.p50 === 0) continue;
      const units = pairUnits(baseline, candidate, metric);
      const m = compareMetric(baseline.name, b, candidate.name, c, metric, 1, undefined, units);
      out.push({
        baseline: baseline.name,
        candidate: candidate.name,
        metric,
        baseline_p50: b.p50,
        candidate_p50: c.p50,
        change: c.p50 / b.p50 - 1,
        ...(m.ci95.p50 === undefined ? {} : { ci95: m.ci95.p50 }),
        significant: significant(m, 'p50'),
      });
    }
  }
  return out;
}
