import type { Empirical } from './bootstrap.js';

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; |error| < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * Two-sided Mann–Whitney U test of two samples given as histograms: ranks are assigned bucket by bucket
 * (ties share their mid-rank, and a histogram bucket is one tie group), and the p-value comes from the
 * normal approximation with tie correction — accurate for the sample sizes benchmarks have (n ≥ 20).
 * Returns U of `a` and the p-value (1 when either side is empty or every value ties).
 */
export function mannWhitney(a: Empirical, b: Empirical): { u: number; p: number } {
  const n1 = a.n;
  const n2 = b.n;
  if (n1 === 0 || n2 === 0) return { u: 0, p: 1 };
  const xa = a.entries();
  const xb = b.entries();
  let i = 0;
  let j = 0;
  let rank = 0;
  let rankSumA = 0;
  let tieTerm = 0;
  while (i < xa.length || j < xb.length) {
    const va = i < xa.length ? xa[i].value : Infinity;
    const vb = j < xb.length ? xb[j].value : Infinity;
    const v = Math.min(va, vb);
    const ca = va === v ? xa[i++].count : 0;
    const cb = vb === v ? xb[j++].count : 0;
    const t = ca + cb;
    const midRank = rank + (t + 1) / 2;
    rankSumA += ca * midRank;
    tieTerm += t ** 3 - t;
    rank += t;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, p: 1 };
  // Continuity correction towards the mean.
  const diff = u - (n1 * n2) / 2;
  const z = (Math.abs(diff) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * (1 - normalCdf(Math.max(0, z)))) };
}
