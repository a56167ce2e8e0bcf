import type { Nanos } from './types.js';

/**
 * The harness clock: `process.hrtime.bigint()` (CLOCK_MONOTONIC, shared by every process on the host, so
 * the reference server's `wb_t` stamps compare directly) minus an epoch taken at load, as a double.
 */
const EPOCH = process.hrtime.bigint();
const BILLION = 1_000_000_000n;
const EPOCH_HI = Number(EPOCH / BILLION);
const EPOCH_LO = Number(EPOCH % BILLION);

/**
 * `Number(process.hrtime.bigint() - EPOCH)`, from `process.hrtime()`'s seconds and nanoseconds of the same
 * clock: one small array instead of two BigInts per call (a call per socket read). The seconds term is
 * exact (a multiple of 2^9 below 2^62 for 146 years of uptime), so the one rounding is the one `Number()` makes.
 */
export function now(): Nanos {
  const t = process.hrtime();
  return (t[0] - EPOCH_HI) * 1e9 + (t[1] - EPOCH_LO);
}

const DIGITS = /^\d{1,20}$/;

/**
 * Converts a `wb_t` stamp (decimal hrtime.bigint of any process on this host) to harness time; NaN for
 * anything else, since the stamp comes off the wire and BigInt() throws on a malformed one.
 */
export function fromStamp(stamp: string): Nanos {
  return DIGITS.test(stamp) ? Number(BigInt(stamp) - EPOCH) : NaN;
}

/** A JSON value that may be a stamp: its harness time when it is a string, undefined when it is absent. */
export function stampValue(v: unknown): Nanos | undefined {
  return typeof v === 'string' ? fromStamp(v) : undefined;
}

/** Seconds from the epoch within which `h * 1e9 + lo` stays under 2^53, so exact: ±104 days. */
const NEAR = 9_000_000;
const ZERO = 48;

/**
 * `fromStamp` of the stamp in `buf[start, end)` (its bytes between the quotes), without making a string
 * or a BigInt: the digits are read as seconds and nanoseconds, each exact in a double, and subtracted from
 * the epoch's. Same value as `fromStamp` for every input; a stamp too far from the epoch for that to be
 * exact (another host's clock, garbage) takes `fromStamp` itself.
 */
export function stampAt(buf: Buffer, start: number, end: number): Nanos {
  const n = end - start;
  if (n < 1 || n > 20) return NaN;
  const split = end - Math.min(n, 9);
  let hi = 0;
  let lo = 0;
  for (let i = start; i < split; i++) {
    const d = buf[i] - ZERO;
    if (d < 0 || d > 9) return NaN;
    hi = hi * 10 + d;
  }
  for (let i = split; i < end; i++) {
    const d = buf[i] - ZERO;
    if (d < 0 || d > 9) return NaN;
    lo = lo * 10 + d;
  }
  const h = hi - EPOCH_HI;
  if (h > NEAR || h < -NEAR) return fromStamp(buf.toString('latin1', start, end));
  return h * 1e9 + (lo - EPOCH_LO);
}

/** Injectable clock for code whose timing tests must be deterministic. */
export interface Clock {
  now(): Nanos;
}

export const systemClock: Clock = { now };
