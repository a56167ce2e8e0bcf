/** A tick mark: the data value it stands for, where it sits (0–1 along the axis) and its label. */
export interface Tick {
  value: number;
  at: number;
  label: string;
}

/** A data-to-axis mapping built from the values it must show; pixels are the renderer's business. */
export interface Scale {
  /** Where `v` sits along the axis, 0 at the start and 1 at the end; NaN when the axis cannot show it. */
  frac(v: number): number;
  ticks: Tick[];
}

/** At most this many intervals between linear ticks, so 4–8 labelled ticks on any range. */
const MAX_INTERVALS = 7;
// Tick values are computed as i × step, which leaves float residue (0.30000000000000004).
const EPS = 1e-9;

/** Smallest and largest finite value, or null when there is none. No spread: arrays can be huge. */
function extent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** NaN outside [0, 1]: a point the domain does not cover is not drawn rather than drawn off the plot. */
const inside = (f: number): number => (f >= -EPS && f <= 1 + EPS ? Math.min(1, Math.max(0, f)) : NaN);

/**
 * Ticks on [lo, hi] at the smallest 1, 2 or 5 × 10^k step that needs at most seven intervals, the ends
 * widened to whole steps so that the first and last tick bracket the data.
 */
export function niceTicks(lo: number, hi: number): { step: number; values: number[] } {
  const span = hi > lo ? hi - lo : Math.abs(lo) || 1;
  const base = 10 ** Math.floor(Math.log10(span / 10));
  for (let i = 0; ; i++) {
    const step = Number((base * [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3)).toPrecision(12));
    const first = Math.floor(lo / step + EPS);
    const last = Math.ceil(hi / step - EPS);
    if (last - first <= MAX_INTERVALS) {
      const values = [];
      for (let k = first; k <= last; k++) values.push(Number((k * step).toPrecision(12)));
      return { step, values };
    }
  }
}

/** Linear axis with nice ticks; `zero` makes it include 0 (bars and latencies read wrong without it). */
export function linearScale(values: Iterable<number>, opts: { zero?: boolean } = {}): Scale {
  let [lo, hi] = extent(values) ?? [0, 1];
  if (opts.zero === true) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) / 10;
    [lo, hi] = [opts.zero === true && lo >= 0 ? lo : lo - pad, hi + pad];
  }
  const { step, values: ticks } = niceTicks(lo, hi);
  const min = ticks[0];
  const span = ticks[ticks.length - 1] - min;
  return {
    frac: (v) => (Number.isFinite(v) ? inside((v - min) / span) : NaN),
    ticks: ticks.map((value) => ({ value, at: (value - min) / span, label: formatTick(value, step) })),
  };
}

/**
 * Powers of ten from the decade below the smallest positive value to the one above the largest, with
 * 2 and 5 in between when the span is under three decades (else the axis would have two labels).
 */
function logTicks(lo: number, hi: number): number[] {
  const d0 = Math.floor(Math.log10(lo) + EPS);
  const d1 = Math.max(d0 + 1, Math.ceil(Math.log10(hi) - EPS));
  const ticks: number[] = [];
  for (let d = d0; d <= d1; d++) {
    ticks.push(Number((10 ** d).toPrecision(12)));
    if (d < d1 && d1 - d0 < 3) ticks.push(Number((2 * 10 ** d).toPrecision(12)), Number((5 * 10 ** d).toPrecision(12)));
  }
  return ticks;
}

/** Log axis; zero and negative values cannot be placed and are left out. */
export function logScale(values: Iterable<number>): Scale {
  const positive = extent([...values].filter((v) => v > 0)) ?? [1, 10];
  const ticks = logTicks(positive[0], positive[1]);
  const min = Math.log10(ticks[0]);
  const span = Math.log10(ticks[ticks.length - 1]) - min;
  return {
    frac: (v) => (v > 0 && Number.isFinite(v) ? inside((Math.log10(v) - min) / span) : NaN),
    ticks: ticks.map((value) => ({ value, at: (Math.log10(value) - min) / span, label: formatTick(value, value) })),
  };
}

/** Beyond 99.9999% a histogram has too few samples for the position to mean anything. */
export const MAX_PERCENTILE = 99.9999;
// 100% itself would sit at infinity.
const FULL = 100 - 1e-9;
/** How far past the highest other percentile the 100% (maximum) point is drawn. */
const FULL_GAP = 0.3;

/**
 * Position of percentile p (0–100) on the HdrHistogram percentile-distribution axis: log10(1 / (1 − p)),
 * so 0%, 90%, 99%, 99.9% … are one unit apart and the tail gets as much room as the body. p is clamped
 * to MAX_PERCENTILE.
 */
export function percentilePosition(p: number): number {
  return Math.log10(100 / (100 - Math.min(p, MAX_PERCENTILE)));
}

/** "0%", "90%", "99%", "99.9%" … for the k-th nine. */
function ninesLabel(k: number): string {
  if (k === 0) return '0%';
  if (k === 1) return '90%';
  return `99${k > 2 ? '.' + '9'.repeat(k - 2) : ''}%`;
}

/**
 * Percentile-distribution axis over values in [0, 100]. A 100% point (the maximum, which every .hgrm
 * ends with) is drawn a little past the highest other percentile instead of at infinity.
 */
export function percentileScale(values: Iterable<number>): Scale {
  let top = 0;
  let hasFull = false;
  for (const p of values) {
    if (!(p >= 0 && p <= 100)) continue;
    if (p >= FULL) hasFull = true;
    else top = Math.max(top, percentilePosition(p));
  }
  const fullAt = top + FULL_GAP;
  const span = Math.max(1, hasFull ? fullAt : top);
  const ticks: Tick[] = [];
  for (let k = 0; k <= span + EPS; k++) ticks.push({ value: 100 - 100 / 10 ** k, at: k / span, label: ninesLabel(k) });
  return {
    frac: (p) => (p >= 0 && p <= 100 ? inside((p >= FULL ? fullAt : percentilePosition(p)) / span) : NaN),
    ticks,
  };
}

/** Evenly spaced slots, one per category; x values are indexes into `categories`. */
export function categoryScale(categories: readonly string[]): Scale {
  const n = Math.max(1, categories.length);
  return {
    frac: (i) => (Number.isInteger(i) && i >= 0 && i < categories.length ? (i + 0.5) / n : NaN),
    ticks: categories.map((label, i) => ({ value: i, at: (i + 0.5) / n, label })),
  };
}

const UNITS: readonly (readonly [number, string])[] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/**
 * A compact tick label: 0.5, 1, 250, 1.5k, 2M. Shows as many decimals as `step` (the gap to the next
 * tick) needs, so neighbouring labels never print the same (10k, 10.001k).
 */
export function formatTick(v: number, step: number): string {
  if (v === 0) return '0';
  const [unit, suffix] = UNITS.find(([u]) => Math.abs(v) >= u) ?? [1, ''];
  const decimals = Math.max(0, -Math.floor(Math.log10(Math.abs(step) / unit) + EPS));
  let text = (v / unit).toFixed(Math.min(decimals, 20));
  if (text.includes('.')) text = text.replace(/\.?0+$/, '');
  return text + suffix;
}
