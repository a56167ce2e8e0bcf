/**
 * Fault injection settings: which failures the reference server injects and how often, parsed from
 * `--fault name=p,…`, and the seeded draw that decides, per request, whether one strikes.
 */

/** Every fault class, in the order their probability slices are laid out on [0, 1). */
export const FAULT_CLASSES = ['http-500', 'mid-stream-error', 'reset', 'stall', 'malformed', 'ws-426'] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number];

/** The classes a streamed request can draw; ws-426 applies to WebSocket upgrades only. */
export const REQUEST_FAULTS = ['http-500', 'mid-stream-error', 'reset', 'stall', 'malformed'] as const;
export type RequestFault = (typeof REQUEST_FAULTS)[number];
/** The classes that strike after the first tokens rather than before the response starts. */
export type StreamFault = Exclude<RequestFault, 'http-500'>;

/** Probability of each class per request (or upgrade); absent classes are never injected. */
export type FaultRates = Readonly<Partial<Record<FaultClass, number>>>;

/** Tokens a response streams before a mid-stream fault strikes (fewer if it has fewer). */
export const FAULT_AFTER_TOKENS = 3;

// Float sums such as 0.1 + 0.2 + 0.7 exceed 1 by an ulp; that must not reject a valid mix.
const SUM_SLACK = 1e-9;

function isFaultClass(name: string): name is FaultClass {
  return (FAULT_CLASSES as readonly string[]).includes(name);
}

/** Throws a RangeError naming the offending entry unless every class is known, 0 ≤ p ≤ 1 and Σp ≤ 1. */
export function checkFaults(rates: FaultRates): void {
  let sum = 0;
  for (const [name, p] of Object.entries(rates)) {
    if (!isFaultClass(name)) throw new RangeError(`unknown fault class '${name}' (known: ${FAULT_CLASSES.join(', ')})`);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new RangeError(`'${name}=${p}': the probability must be a number in [0, 1]`);
    sum += p;
  }
  if (sum > 1 + SUM_SLACK) throw new RangeError(`the probabilities sum to ${sum}, more than 1`);
}

/** Parses `name=p,name=p` (whitespace allowed around entries; an empty string is no faults). */
export function parseFaults(spec: string): FaultRates {
  const rates: Partial<Record<FaultClass, number>> = {};
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) throw new RangeError(`'${entry}': expected name=probability`);
    const name = entry.slice(0, eq).trim();
    const value = entry.slice(eq + 1).trim();
    if (!isFaultClass(name))
      throw new RangeError(`'${entry}': unknown fault class '${name}' (known: ${FAULT_CLASSES.join(', ')})`);
    if (name in rates) throw new RangeError(`'${entry}': ${name} is given twice`);
    const p = value === '' ? NaN : Number(value);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`'${entry}': the probability must be a number in [0, 1]`);
    rates[name] = p;
  }
  checkFaults(rates);
  return rates;
}

/** The `--fault` form of `rates`, which parseFaults reads back unchanged. */
export function formatFaults(rates: FaultRates): string {
  return FAULT_CLASSES.filter((c) => rates[c] !== undefined)
    .map((c) => `${c}=${rates[c]}`)
    .join(',');
}

/**
 * The class whose slice of [0, 1) holds `u`, if it is one of `apply`. The slices are laid out the same
 * for every caller, so whether request n draws a given class never depends on which others apply.
 */
export function drawFault<C extends FaultClass>(rates: FaultRates, u: number, apply: readonly C[]): C | null {
  let edge = 0;
  for (const c of FAULT_CLASSES) {
    edge += rates[c] ?? 0;
    if (u < edge) return (apply as readonly FaultClass[]).includes(c) ? (c as C) : null;
  }
  return null;
}

/** A zero count for every class: the `faults` stat. */
export function faultCounts(): Record<FaultClass, number> {
  return Object.fromEntries(FAULT_CLASSES.map((c) => [c, 0])) as Record<FaultClass, number>;
}
