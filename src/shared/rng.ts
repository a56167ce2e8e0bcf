/** A seeded uniform generator in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32: tiny, fast, the same on every platform — what seeded prompts, token text and jitter need
 * (reproducibility, not cryptographic quality).
 */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seed of one PRNG stream of one request: a run's seed, the request's sequence number and a stream
 * tag, hashed so that neighbouring inputs give unrelated streams (text must not shift when only the
 * jitter setting changes, hence separate streams for text and timing).
 */
export function streamSeed(seed: number, seq: number, stream: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ seq, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ stream, 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}
