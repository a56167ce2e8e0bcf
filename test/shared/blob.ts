import { rng } from '../../src/shared/rng.js';

/** `bytes` seeded random bytes as base64: one long word of many distinct pre-tokens (an encoded blob). */
export function base64Blob(seed: number, bytes: number): string {
  const r = rng(seed);
  return Buffer.from(Uint8Array.from({ length: bytes }, () => Math.floor(r() * 256))).toString('base64');
}
