/**
 * A Prometheus histogram's state (cumulative bucket counts by upper bound, sum, count) and the little
 * arithmetic `server_metrics` needs: the difference of two scrapes, the sum of blocks, and quantiles
 * interpolated within a bucket the way PromQL's `histogram_quantile` does, with the bucket they fell in.
 */
export interface BucketHistogram {
  /** Upper bounds (`le`), ascending, the last one +Inf. */
  bounds: number[];
  /** Observations ≤ each bound. */
  cumulative: number[];
  sum: number;
  count: number;
}

function sameBounds(a: BucketHistogram, b: BucketHistogram): boolean {
  return a.bounds.length === b.bounds.length && a.bounds.every((x, i) => x === b.bounds[i]);
}

/**
 * What was observed between two scrapes; undefined when the histogram cannot have come from `before`
 * (a counter went down — the server restarted — or its buckets changed). A histogram the earlier page
 * did not have yet (servers publish a series from its first observation) was empty then.
 */
export function subtract(after: BucketHistogram, before: BucketHistogram | undefined): BucketHistogram | undefined {
  if (before === undefined) return after;
  if (!sameBounds(after, before) || after.count < before.count) return undefined;
  const cumulative = after.cumulative.map((c, i) => c - before.cumulative[i]);
  if (cumulative.some((c, i) => c < 0 || (i > 0 && c < cumulative[i - 1]))) return undefined;
  return { bounds: after.bounds, cumulative, sum: after.sum - before.sum, count: after.count - before.count };
}

/** The two added up; undefined when their buckets differ. */
export function add(a: BucketHistogram, b: BucketHistogram): BucketHistogram | undefined {
  if (!sameBounds(a, b)) return undefined;
  return {
    bounds: a.bounds,
    cumulative: a.cumulative.map((c, i) => c + b.cumulative[i]),
    sum: a.sum + b.sum,
    count: a.count + b.count,
  };
}

/** A quantile's estimate and the bucket it lies in: the truth is somewhere in [lo, hi]. */
export interface BucketQuantile {
  value: number;
  lo: number;
  hi: number;
}

/**
 * The q-quantile (0 < q < 1), linear within its bucket as `histogram_quantile` interpolates; the first
 * bucket's lower edge is 0. In the +Inf bucket the estimate is the highest finite bound, and `hi` is
 * Infinity; with a sum of 0 it is 0. Undefined without observations.
 */
export function quantile(h: BucketHistogram, q: number): BucketQuantile | undefined {
  if (h.count <= 0) return undefined;
  const rank = q * h.count;
  const i = h.cumulative.findIndex((c) => c >= rank);
  const at = i < 0 ? h.bounds.length - 1 : i;
  const lo = at === 0 ? 0 : h.bounds[at - 1];
  const hi = h.bounds[at];
  if (hi === Infinity) return { value: lo, lo, hi };
  // Latencies are never negative: a sum of 0 means every observation was 0 (a queue nobody waited in).
  if (h.sum === 0) return { value: 0, lo, hi };
  const below = at === 0 ? 0 : h.cumulative[at - 1];
  const inBucket = h.cumulative[at] - below;
  const value = inBucket > 0 ? lo + ((hi - lo) * (rank - below)) / inBucket : hi;
  return { value, lo, hi };
}
