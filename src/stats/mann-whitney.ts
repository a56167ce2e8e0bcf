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

/** Up to this many samples in all, the p-value is exact: the normal approximation calls 3 against 3 significant. */
const EXACT_MAX_N = 40;

/**
 * Two-sided Mann–Whitney U test of two samples given as histograms: ranks are assigned bucket by bucket
 * (ties share their mid-rank, and a histogram bucket is one tie group). The p-value is exact for small
 * samples (every way of drawing `a`'s count from the pooled tie groups, equally likely under no change),
 * else from the normal approximation with tie correction — accurate for the sample sizes benchmarks
 * have — and, for clustered samples, the design effect (see `Empirical.draws`). Returns U of `a` and the p-value (1 when either side is empty or every value ties).
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
  const groups: { size: number; twiceRank: number }[] = [];
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
    groups.push({ size: t, twiceRank: 2 * rank + t + 1 });
    rank += t;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  if (n <= EXACT_MAX_N) return { u, p: exactP(groups, n1, 2 * rankSumA) };
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, p: 1 };
  // Continuity correction towards the mean.
  const diff = u - (n1 * n2) / 2;
  // Samples in clusters (a.draws < a.n) inflate U's variance by up to the design effect n/draws: with
  // every sample of a cluster alike, the test on n samples is the test on the clusters, z scaled by it.
  const design = Math.max(n1 / a.draws, n2 / b.draws);
  const z = (Math.abs(diff) - 0.5) / Math.sqrt(variance * design);
  return { u, p: Math.min(1, 2 * (1 - normalCdf(Math.max(0, z)))) };
}

/**
 * The exact two-sided p-value of `a`'s rank sum (doubled, so mid-ranks stay integers): the share of the
 * C(n, n1) equally likely draws of n1 samples from the pooled tie groups whose rank sum lies at least as
 * far from its mean. Counted by dynamic programming over the groups, not by enumerating the draws.
 */
function exactP(groups: readonly { size: number; twiceRank: number }[], n1: number, observed: number): number {
  const n = groups.reduce((sum, g) => sum + g.size, 0);
  const maxSum = n1 * (2 * n + 1);
  // ways[k][s]: draws of k samples from the groups so far whose doubled rank sum is s.
  let ways = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
  ways[0][0] = 1;
  for (const g of groups) {
    const next = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
    for (let k = 0; k <= n1; k++) {
      const row = ways[k];
      for (let sum = 0; sum <= maxSum; sum++) {
        if (row[sum] === 0) continue;
        let choose = 1;
        for (let j = 0; j <= g.size && k + j <= n1; j++) {
          next[k + j][sum + j * g.twiceRank] += row[sum] * choose;
          choose = (choose * (g.size - j)) / (j + 1);
        }
      }
    }
    ways = next;
  }
  const mean = n1 * (n + 1);
  const far = Math.abs(observed - mean);
  let total = 0;
  let extreme = 0;
  ways[n1].forEach((w, sum) => {
    total += w;
    if (Math.abs(sum - mean) >= far - 1e-9) extreme += w;
  });
  return Math.min(1, extreme / total);
}
