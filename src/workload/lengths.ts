/**
 * Seeded length distributions. Request i's length comes from its own PRNG, seeded by (seed, i), never
 * from a stream shared by all requests: variants and interleaved blocks ask for lengths in different
 * orders, and each request must get the same length whichever order that is.
 */
import { type Rng, rng, streamSeed } from '../shared/rng.js';
import type { LengthSpec } from './types.js';

/**
 * A draw outside [min, max] is drawn again, up to this many times, then clamped. Clamping at once would
 * pile the cut-off mass on the bounds. With bounds holding 3 % of the distribution, 0.97^256 ≈ 1 draw in
 * 2,500 still ends clamped; the limit only keeps a spec whose bounds hold nearly nothing from looping.
 */
const TRIES = 256;
/** Keeps the lengths' stream apart from any other per-request stream derived from the same seed. */
const LENGTH_STREAM = 0x1e9;

/** The length of request `i`: an integer in [min, max]; the same (spec, seed, i) always gives the same value. */
export function lengthOf(spec: LengthSpec, seed: number, i: number): number {
  if (typeof spec === 'number') return spec;
  const lo = Math.ceil(spec.min);
  const hi = Math.floor(spec.max);
  if (!(lo <= hi)) throw new RangeError(`length: no integer in [${spec.min}, ${spec.max}]`);
  const draw = sampler(spec, lo, hi, rng(streamSeed(seed, i, LENGTH_STREAM)));
  let x = 0;
  for (let t = 0; t < TRIES; t++) {
    x = Math.round(draw());
    if (x >= lo && x <= hi) return x;
  }
  return Math.min(hi, Math.max(lo, x));
}

/** Short human text for summaries: "1024", "uniform 100–4000", "normal mean 512 sd 128 in [1, 4096]", … */
export function describeLength(spec: LengthSpec): string {
  if (typeof spec === 'number') return String(spec);
  const range = `in [${spec.min}, ${spec.max}]`;
  switch (spec.distribution) {
    case 'uniform':
      return `uniform ${spec.min}–${spec.max}`;
    case 'normal':
    case 'lognormal':
      return `${spec.distribution} mean ${spec.mean} sd ${spec.stddev} ${range}`;
    case 'exponential':
      return `exponential mean ${spec.mean} ${range}`;
  }
}

/** Real-valued draws; the caller rounds them, so uniform spans [lo − ½, hi + ½) to give every integer an equal share. */
function sampler(spec: Exclude<LengthSpec, number>, lo: number, hi: number, rand: Rng): () => number {
  // 1 − u lies in (0, 1]: the logarithms below stay finite.
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  switch (spec.distribution) {
    case 'uniform':
      return () => lo - 0.5 + rand() * (hi - lo + 1);
    case 'normal':
      positive('mean', spec.mean, false);
      positive('stddev', spec.stddev, true);
      return () => spec.mean + spec.stddev * gauss();
    case 'lognormal': {
      positive('mean', spec.mean, false);
      positive('stddev', spec.stddev, true);
      // mean and stddev are those of the lengths: σ² = ln(1 + sd²/mean²), μ = ln(mean) − σ²/2.
      const s2 = Math.log(1 + (spec.stddev / spec.mean) ** 2);
      const mu = Math.log(spec.mean) - s2 / 2;
      const sigma = Math.sqrt(s2);
      return () => Math.exp(mu + sigma * gauss());
    }
    case 'exponential':
      positive('mean', spec.mean, false);
      return () => -spec.mean * Math.log(1 - rand());
  }
}

function positive(name: string, x: number, zeroOk: boolean): void {
  if (!Number.isFinite(x) || x < 0 || (x === 0 && !zeroOk)) {
    throw new RangeError(`length: ${name} must be ${zeroOk ? '>= 0' : '> 0'}, got ${x}`);
  }
}
