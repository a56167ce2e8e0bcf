/** Number formats shared by the terminal summary and the markdown and HTML reports. */
import { METRIC_INFO } from '../core/catalog.js';
import type { Comparison } from '../result/result.js';

/** `+12%`, `-3%`, `0%`: a change of medians rounded to whole percent. */
export function fmtChange(change: number): string {
  const pct = Math.round(change * 100);
  return pct > 0 ? `+${pct}%` : pct < 0 ? `-${-pct}%` : '0%';
}

/**
 * A change of medians with what makes it trustworthy and what it amounts to: `-52% (-23.2 ms)
 * [-55%, -49%]` — the absolute difference (a significant -50% of a 0.06 ms figure is 0.03 ms) and the
 * bootstrap 95% interval — or `-50% (-0.030 ms) n.s.` when `compare`'s rule finds no significant change.
 * Older results carry no interval.
 */
export function fmtComparison(c: Comparison): string {
  const diff = c.candidate_p50 - c.baseline_p50;
  const unit = METRIC_INFO[c.metric].unit;
  const abs = `(${diff >= 0 ? '+' : '-'}${unit === 'ms' ? fmtMs(Math.abs(diff)) : fmtRate(Math.abs(diff))} ${unit})`;
  const head = `${fmtChange(c.change)} ${abs}`;
  if (c.significant === false) return `${head} n.s.`;
  return c.ci95 === undefined ? head : `${head} [${fmtChange(c.ci95[0])}, ${fmtChange(c.ci95[1])}]`;
}

/** Said once under every list of changes that uses fmtComparison. */
export const CHANGE_NOTE =
  'Changes of medians with their bootstrap 95% intervals; n.s. = not significant (the interval holds no change or the rank test disagrees).';

/** Enough decimals to tell a sub-millisecond ITL apart, few enough to keep seconds-long E2E readable. */
export function msDecimals(v: number): number {
  const a = Math.abs(v);
  return a < 1 ? 3 : a < 100 ? 2 : a < 1000 ? 1 : 0;
}

export function fmtMs(v: number): string {
  return v.toFixed(msDecimals(v));
}

export function fmtShare(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

export function fmtRate(v: number): string {
  return v.toFixed(Math.abs(v) < 100 ? 2 : 1);
}

/** A claimed or measured reduction as the change it is: 0.8 → "-80.0%", a negative one (slower) → "+5.0%". */
export function fmtReduction(r: number): string {
  return `${r >= 0 ? '-' : '+'}${(Math.abs(r) * 100).toFixed(1)}%`;
}

/** `+12.3%`, `-0.4%`: a relative change to a tenth of a percent, as `compare` and `trend` print one. */
export function fmtPct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

/** A 95% interval of a relative change, `-2.1% .. +0.8%`; `-` without one. */
export function fmtInterval(iv: readonly [number, number] | undefined): string {
  return iv === undefined ? '-' : `${fmtPct(iv[0])} .. ${fmtPct(iv[1])}`;
}

/** A p-value as every output prints it: four decimals, and below what four can show, `<0.0001`. */
export function fmtP(p: number): string {
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}
