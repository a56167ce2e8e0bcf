/** Number formats shared by the terminal summary and the markdown and HTML reports. */

/** `+12%`, `-3%`, `0%`: a change of medians rounded to whole percent. */
export function fmtChange(change: number): string {
  const pct = Math.round(change * 100);
  return pct > 0 ? `+${pct}%` : pct < 0 ? `-${-pct}%` : '0%';
}

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

/** A p-value as every output prints it: four decimals, and below what four can show, `<0.0001`. */
export function fmtP(p: number): string {
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}
