import { collectGarbage } from '../load/gc.js';
import type { ClientMonitor } from '../metrics/client-monitor.js';
import type { Scenario } from '../scenario/schema.js';
import { rng } from '../shared/rng.js';
import type { VariantRun } from './variant-run.js';

/** Seconds of measuring per variant per block, for interleaved duration loads. */
const BLOCK_SECONDS = 2;

/** Blocks long enough that every user gets several requests, short enough that variants alternate often. */
function blockSize(s: Scenario): number {
  if (s.load.kind === 'closed') return Math.max(20, 4 * s.load.concurrency);
  // A session is many requests already: one per user per block.
  if (s.load.kind === 'session') return s.load.concurrency;
  return Infinity;
}

/** Fisher–Yates with the scenario's seed: a random order that a re-run repeats. */
function shuffleInPlace<T>(xs: T[], rand: () => number): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
}

export interface InterleaveHooks {
  stopping: () => boolean;
  monitor: ClientMonitor;
  /** The variant whose block is about to run (for progress displays). */
  onBlock: (run: VariantRun) => void;
  /** A block has finished and its requests are recorded. */
  afterBlock?: (run: VariantRun) => void;
  /** Waited for before each block (workers start their blocks together; the server's metrics are scraped). */
  beforeBlock?: (run: VariantRun) => Promise<void>;
  /** A variant has run all its blocks. */
  onVariantDone: (run: VariantRun) => void;
}

/**
 * Runs a set of variants to the end — by default interleaved in alternating blocks, so drift on a shared
 * machine hits every variant alike (`order: sequential` runs them one after another, `random` shuffles
 * each round with the scenario's seed). Open loads run each variant whole: an arrival schedule is one
 * process. The caller closes the runs.
 */
export async function runInterleaved(
  scenario: Scenario,
  runs: readonly VariantRun[],
  hooks: InterleaveHooks,
): Promise<void> {
  const interleaved =
    scenario.order !== 'sequential' && scenario.load.kind !== 'open' && scenario.load.kind !== 'trace';
  const blockRequests = interleaved ? (scenario.block ?? blockSize(scenario)) : Infinity;
  const blockSeconds = interleaved ? BLOCK_SECONDS : Infinity;
  const shuffle = rng(scenario.seed);
  while (!hooks.stopping() && runs.some((r) => !r.done)) {
    const round = runs.filter((r) => !r.done);
    if (scenario.order === 'random') shuffleInPlace(round, shuffle);
    for (const run of round) {
      if (hooks.stopping()) break;
      await hooks.beforeBlock?.(run);
      if (hooks.stopping()) break;
      hooks.onBlock(run);
      collectGarbage();
      // Only the measured part is watched: warm-up is where first-use costs (JIT, undici's parser
      // compiling) belong, and they would read as a loaded client.
      await run.block(blockRequests, blockSeconds, () => hooks.monitor.resume());
      hooks.monitor.pause();
      run.rec.endBlock();
      hooks.afterBlock?.(run);
      if (run.done) hooks.onVariantDone(run);
    }
  }
}
