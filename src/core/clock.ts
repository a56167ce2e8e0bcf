import type { Nanos } from './types.js';

/**
 * The harness clock: `process.hrtime.bigint()` (CLOCK_MONOTONIC, shared by every process on the host, so
 * the reference server's `wb_t` stamps compare directly) minus an epoch taken at load, as a double.
 */
const EPOCH = process.hrtime.bigint();

export function now(): Nanos {
  return Number(process.hrtime.bigint() - EPOCH);
}

const DIGITS = /^\d{1,20}$/;

/**
 * Converts a `wb_t` stamp (decimal hrtime.bigint of any process on this host) to harness time; NaN for
 * anything else, since the stamp comes off the wire and BigInt() throws on a malformed one.
 */
export function fromStamp(stamp: string): Nanos {
  return DIGITS.test(stamp) ? Number(BigInt(stamp) - EPOCH) : NaN;
}

/** Injectable clock for code whose timing tests must be deterministic. */
export interface Clock {
  now(): Nanos;
}

export const systemClock: Clock = { now };
