import { type Histogram, SCALE } from '../metrics/histogram.js';
import type { Rng } from '../shared/rng.js';

/**
 * Samples as an empirical distribution: their distinct values in ascending order with cumulative counts,
 * in reported units — either a histogram's (each count at the highest value of its bucket, as HdrHistogram
 * reports percentiles) or the exact values themselves.
 */
export class Empirical {
  /**
   * How many of the n samples are independent draws: n, or fewer when they come in clusters that move
   * together (per-token metrics: the requests). Resampling and the rank test use it, so a run of 40
   * requests is not taken for 8000 independent tokens.
   */
  readonly draws: number;

  private constructor(
    private readonly values: Float64Array,
    private readonly cumulative: Float64Array,
    readonly n: number,
    units?: number,
  ) {
    this.draws = units === undefined ? n : Math.min(n, Math.max(1, Math.round(units)));
  }

  /** `units`: the independent clusters the samples come in, when they are not each independent. */
  static fromHistogram(h: Histogram, units?: number): Empirical {
    const values: number[] = [];
    const cumulative: number[] = [];
    let n = 0;
    for (let i = 0; i < h.countsArrayLength; i++) {
      const c = h.getCountAtIndex(i);
      if (c === 0) continue;
      n += c;
      values.push(h.highestEquivalentValue(h.valueFromIndex(i)) / SCALE);
      cumulative.push(n);
    }
    return new Empirical(Float64Array.from(values), Float64Array.from(cumulative), n, units);
  }

  /** Exact samples (e.g. one value per request from requests.jsonl), in any order; not modified. */
  static fromSamples(samples: Float64Array): Empirical {
    const sorted = Float64Array.from(samples).sort();
    const values = new Float64Array(sorted.length);
    const cumulative = new Float64Array(sorted.length);
    let distinct = 0;
    for (let i = 0; i < sorted.length; i++) {
      if (distinct === 0 || sorted[i] !== values[distinct - 1]) values[distinct++] = sorted[i];
      cumulative[distinct - 1] = i + 1;
    }
    return new Empirical(values.slice(0, distinct), cumulative.slice(0, distinct), sorted.length);
  }

  /** Distinct values in ascending order with how many samples each holds. */
  entries(): { value: number; count: number }[] {
    const out: { value: number; count: number }[] = [];
    let before = 0;
    for (let i = 0; i < this.values.length; i++) {
      out.push({ value: this.values[i], count: this.cumulative[i] - before });
      before = this.cumulative[i];
    }
    return out;
  }

  /** The value of rank `r` (1-based) in sorted order. */
  atRank(r: number): number {
    const c = this.cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid] >= r) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo];
  }

  /** HdrHistogram's percentile: the value at rank ceil(q·n), at least the first. */
  quantile(q: number): number {
    return this.atRank(Math.max(1, Math.ceil(q * this.n)));
  }
}

/** Standard normal (Box–Muller; one of the pair is enough here). */
function normal(rand: Rng): number {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Gamma(k, 1) for k ≥ 1 (Marsaglia–Tsang). */
function gamma(k: number, rand: Rng): number {
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) for a, b ≥ 1. */
export function beta(a: number, b: number, rand: Rng): number {
  const x = gamma(a, rand);
  return x / (x + gamma(b, rand));
}

/**
 * One bootstrap replicate of the q-quantile of `e`: the k-th smallest of m draws with replacement from
 * the samples is the empirical quantile at U(k), and U(k) — the k-th of m uniforms — is Beta(k, m−k+1).
 * So a replicate costs two gamma variates instead of m draws and a sort: exact, and cheap enough for
 * per-token metrics with millions of samples. m is `e.draws`: n, or the clusters the samples come in
 * (an m-out-of-n bootstrap, whose spread is that of m independent draws).
 */
export function resampledQuantile(e: Empirical, q: number, rand: Rng): number {
  const m = e.draws;
  const k = Math.max(1, Math.ceil(q * m));
  const u = beta(k, m - k + 1, rand);
  return e.quantile(u);
}

export interface Interval {
  /** The point estimate from the samples themselves. */
  estimate: number;
  lo: number;
  hi: number;
}

/**
 * Percentile-bootstrap interval of the relative change of a quantile, candidate vs baseline
 * (quantile(candidate) / quantile(baseline) − 1: −0.8 is "80% lower"), the two samples resampled
 * independently.
 *
 * The estimate lies within the interval: a replicate's rank ceil(U(k)·n) is ≤ k and ≥ k each with
 * probability ≥ ½ (Beta(k, n−k+1)'s median lies in [(k−1)/(n−1), k/(n+1)]), so a replicate of the change
 * is ≥ the estimate (candidate's rank ≥ k, baseline's ≤ k) with probability ≥ ¼, and ≤ it likewise —
 * replicates at rank k being the estimate's very values, the very same float. The 2.5% and 97.5% points
 * of 2000 replicates are on either side of it but with a probability far below any test's notice.
 */
export function bootstrapChange(
  baseline: Empirical,
  candidate: Empirical,
  q: number,
  rand: Rng,
  resamples = 2000,
  confidence = 0.95,
): Interval {
  const changes = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) {
    changes[i] = resampledQuantile(candidate, q, rand) / resampledQuantile(baseline, q, rand) - 1;
  }
  changes.sort();
  const tail = (1 - confidence) / 2;
  const at = (p: number): number => changes[Math.min(resamples - 1, Math.max(0, Math.floor(p * resamples)))];
  return { estimate: candidate.quantile(q) / baseline.quantile(q) - 1, lo: at(tail), hi: at(1 - tail) };
}
