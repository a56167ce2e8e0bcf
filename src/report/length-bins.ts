import { type Histogram, SCALE } from '../metrics/histogram.js';
import type { Bin } from './svg/histogram.js';

/** At most this many bins: bars wide enough to read and to point at on a 720 px chart. */
const MAX_BINS = 30;
/** At least this many on a linear axis: a single length is one bar among empty neighbours, not a wall. */
const MIN_BINS = 9;
/** Lengths spanning more than ~1.5 decades are binned (and drawn) on a log axis: a lognormal spread is a bell there. */
export const LOG_SPAN = 10 ** 1.5;

/** Where a histogram's counts are: per non-empty bucket, the whole length it stands for and how many. */
interface Bucket {
  at: number;
  count: number;
  /** The whole lengths the bucket cannot tell apart (1 up to ~2000 tokens, 0.1% of the length beyond). */
  width: number;
}

/** A length histogram (recorded as tokens × SCALE) as whole lengths. */
function buckets(h: Histogram): Bucket[] {
  const out: Bucket[] = [];
  for (let i = 0; i < h.countsArrayLength; i++) {
    const count = h.getCountAtIndex(i);
    if (count === 0) continue;
    const v = h.valueFromIndex(i);
    const lo = Math.ceil(h.lowestEquivalentValue(v) / SCALE);
    const hi = Math.floor(h.highestEquivalentValue(v) / SCALE);
    out.push(
      lo <= hi
        ? { at: Math.round((lo + hi) / 2), count, width: hi - lo + 1 }
        : { at: Math.round(v / SCALE), count, width: 1 },
    );
  }
  return out;
}

/** 1, 2, 5, 10, 20, 50 … */
const niceWidth = (k: number): number => [1, 2, 5][k % 3] * 10 ** Math.floor(k / 3);

/** Edges of equal whole-number bins over [lo, hi], no narrower than `narrowest`, at least MIN_BINS of them. */
function linearEdges(lo: number, hi: number, narrowest: number): number[] {
  const fits = (w: number): boolean => w >= narrowest && Math.floor(hi / w) - Math.floor(lo / w) < MAX_BINS;
  let k = 0;
  while (!fits(niceWidth(k))) k++;
  const w = niceWidth(k);
  let first = Math.floor(lo / w);
  let last = Math.floor(hi / w);
  const missing = MIN_BINS - (last - first + 1);
  if (missing > 0) {
    first = Math.max(0, first - Math.floor(missing / 2));
    last = first + MIN_BINS - 1;
  }
  return Array.from({ length: last - first + 2 }, (_, k) => (first + k) * w);
}

/** Edges equally spaced in log10 (at most 10 a decade), rounded to whole lengths: none is empty of integers. */
function logEdges(lo: number, hi: number): number[] {
  const perDecade = Math.max(1, Math.min(10, Math.floor(MAX_BINS / Math.log10((hi + 1) / lo))));
  const k0 = Math.floor(perDecade * Math.log10(lo) + 1e-9);
  const k1 = Math.ceil(perDecade * Math.log10(hi + 1) - 1e-9);
  const edges: number[] = [];
  for (let k = k0; k <= k1; k++) {
    const e = Math.round(10 ** (k / perDecade));
    if (e !== edges[edges.length - 1]) edges.push(e);
  }
  return edges;
}

/** Length histograms binned alike: the bins and, per histogram, its count in each. */
export interface LengthBins {
  scale: 'linear' | 'log';
  /** Bin k holds the lengths [a, b) of whole numbers; drawn from a − ½ to b − ½, so a bar centres on its lengths. */
  bins: Bin[];
  counts: number[][];
}

/**
 * Bins shared by length histograms (input tokens; output received and asked for), from their exact
 * counts: equal widths of 1, 2, 5 × 10^k on a linear axis, or equal steps in log10 when the lengths span
 * more than LOG_SPAN. A constant length is one bar one token wide. Undefined when all are empty.
 */
export function lengthBins(hists: readonly Histogram[]): LengthBins | undefined {
  const all = hists.map(buckets);
  const flat = all.flat();
  if (flat.length === 0) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (const b of flat) [lo, hi] = [Math.min(lo, b.at), Math.max(hi, b.at)];
  const log = lo >= 1 && hi / lo > LOG_SPAN;
  const edges = log ? logEdges(lo, hi) : linearEdges(lo, hi, Math.max(...flat.map((b) => b.width)));
  const bins = edges.slice(0, -1).map((a, k) => {
    const b = edges[k + 1];
    return { from: a - 0.5, to: b - 0.5, label: b - a === 1 ? `${a} tokens` : `${a}–${b - 1} tokens` };
  });
  const counts = all.map((bs) => {
    const c = new Array<number>(bins.length).fill(0);
    for (const b of bs) c[binOf(edges, b.at)] += b.count;
    return c;
  });
  return { scale: log ? 'log' : 'linear', bins, counts };
}

/** The bin whose [edge, next edge) holds `v` (the last edge lies past every length). */
function binOf(edges: readonly number[], v: number): number {
  let a = 0;
  let b = edges.length - 2;
  while (a < b) {
    const m = (a + b + 1) >> 1;
    if (edges[m] <= v) a = m;
    else b = m - 1;
  }
  return a;
}
