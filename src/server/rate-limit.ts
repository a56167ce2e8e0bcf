import type { IncomingHttpHeaders } from 'node:http';

/** The key a request is limited under: its credential, as providers limit per API key. */
export function apiKey(headers: IncomingHttpHeaders): string {
  const key = headers.authorization ?? headers['x-api-key'];
  if (key === undefined) return 'anonymous';
  return Array.isArray(key) ? key.join(',') : key;
}

interface Bucket {
  tokens: number;
  /** performance.now() of the last refill. */
  at: number;
}

/** Keys beyond which idle (full) buckets are forgotten: a full bucket is the same as no bucket. */
const PRUNE_AT = 10_000;

/**
 * A token bucket per key: `rate` requests per second on average, bursts of max(1, rate), so a rate
 * below 1 still lets single requests through.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;

  constructor(private readonly rate: number) {
    this.burst = Math.max(1, rate);
  }

  /** 0 when the request may pass (and is charged), else the seconds until it would: retry-after, ≥ 1. */
  take(key: string, now = performance.now()): number {
    const b = this.buckets.get(key);
    const tokens = b === undefined ? this.burst : this.level(b, now);
    if (tokens >= 1) {
      if (b === undefined && this.buckets.size >= PRUNE_AT) this.prune(now);
      this.buckets.set(key, { tokens: tokens - 1, at: now });
      return 0;
    }
    this.buckets.set(key, { tokens, at: now });
    return Math.max(1, Math.ceil((1 - tokens) / this.rate));
  }

  private level(b: Bucket, now: number): number {
    return Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets) if (this.level(b, now) >= this.burst) this.buckets.delete(key);
  }
}
