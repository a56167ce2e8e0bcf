/**
 * `run --shard i/n`: this process runs the i-th of n equal parts of the load (virtual users or arrival
 * rate, counts, warm-up), with its own seeds, so n machines together run the scenario once and
 * `wirebench merge` adds their histograms.
 */
import type { ScenarioIssue } from '../shared/input-error.js';

export interface Shard {
  /** From 1. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) return undefined;
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  return shard.count >= 1 && shard.index >= 1 && shard.index <= shard.count ? shard : undefined;
}

/** The shard's part of n: the parts differ by at most one and add up to n. */
export function shareOf(n: number, { index, count }: Shard): number {
  return Math.floor(n / count) + (index - 1 < n % count ? 1 : 0);
}

/**
 * The load block of one shard, as file input (re-validated by the caller), or the problems when a part
 * would be empty (more shards than virtual users, requests or sessions).
 */
export function shardLoad(load: Record<string, unknown>, shard: Shard): Record<string, unknown> | ScenarioIssue[] {
  const out = { ...load };
  const issues: ScenarioIssue[] = [];
  const split = (key: string, atLeastOne: boolean): void => {
    const v = load[key];
    if (typeof v !== 'number') return;
    out[key] = shareOf(v, shard);
    if (atLeastOne && out[key] === 0) {
      issues.push({
        path: '--shard',
        message: `shard ${shard.index}/${shard.count} gets no ${key} (load.${key} is ${v})`,
      });
    }
  };
  split('concurrency', true);
  split('requests', true);
  split('sessions', true);
  split('warmup', false);
  if (typeof load.rate === 'number') out.rate = load.rate / shard.count;
  // Each shard draws its own arrivals and tool times: n copies of one seeded sequence would be correlated.
  if (typeof load.seed === 'number') out.seed = load.seed + shard.index - 1;
  return issues.length > 0 ? issues : out;
}
