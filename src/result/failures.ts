import type { Result, VariantResult } from './result.js';

/**
 * Above this share of failed measured requests a variant measured mostly its failures: the run is a
 * failure, whatever its thresholds say (they may ask for less: `errors.rate < 0.01`).
 */
export const FAILED_SHARE = 0.5;

/** One variant whose endpoint failed the run: most or all of its measured requests failed. */
export interface EndpointFailure {
  /** The variant, with its sweep step (`rate=20 / ws`) where there are steps. */
  variant: string;
  requests: number;
  ok: number;
  /** `class count: first code: message`, a class a line. */
  causes: string[];
}

/** A variant's failures, a line per class: its count and its first failure. */
export function failureCauses(v: VariantResult): string[] {
  return Object.entries(v.counts.errors)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([cls, n]) => `${cls} ${n}${v.first_errors?.[cls] === undefined ? '' : `, first: ${v.first_errors[cls]}`}`);
}

/** The variants (of every step) of which more than FAILED_SHARE of the measured requests failed. */
export function endpointFailures(result: Result): EndpointFailure[] {
  const named = [
    ...result.variants.map((v) => ({ label: v.name, v })),
    ...(result.steps ?? []).flatMap((s) =>
      s.variants.map((v) => ({ label: `${s.param}=${String(s.value)} / ${v.name}`, v })),
    ),
  ];
  return named
    .filter(({ v }) => v.counts.requests > 0 && v.counts.requests - v.counts.ok > FAILED_SHARE * v.counts.requests)
    .map(({ label, v }) => ({
      variant: label,
      requests: v.counts.requests,
      ok: v.counts.ok,
      causes: failureCauses(v),
    }));
}

/** `ws: 0 of 4 requests succeeded`: the headline of a failure. */
export const describeFailure = (f: EndpointFailure): string =>
  `${f.variant}: ${f.ok === 0 ? 'none' : f.ok} of ${f.requests} requests succeeded`;
