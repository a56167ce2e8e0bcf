import type { OutputSpec } from '../output/output.js';
import type { LoadedScenario } from '../scenario/load.js';
import { DEFAULT_TURNS } from '../scenario/load-schema.js';
import type { Scenario } from '../scenario/schema.js';
import type { Shard } from '../scenario/shard.js';

/** What the CLI hands a run. */
export interface RunConfig {
  loaded: LoadedScenario;
  /** The scenario after CLI overrides. */
  scenario: Scenario;
  outDir: string;
  /** Progress and notices for a person (stderr); never results. */
  log: (line: string) => void;
  /** Polled between requests: true once the user asked to stop (Ctrl-C). */
  stopping: () => boolean;
  /** Aborted when in-flight requests must be cut short (the grace period after a stop is over). */
  hardStop?: AbortSignal;
  /** The CLI flags that changed `scenario`, recorded so the result says what actually ran. */
  overrides?: Record<string, unknown>;
  /** The part of the load this process ran (`--shard i/n`), recorded so `merge` can check the set. */
  shard?: Shard;
  /** Handed, once the run starts, a way to read its status (for a progress display). */
  watch?: (status: () => RunStatus) => void;
  /** `--out KIND=TARGET`: exporters beside the result folder (output/). */
  outputs?: readonly OutputSpec[];
  /** Warnings that must be seen even when progress is not (`--quiet`): an output that failed. */
  warn?: (line: string) => void;
  /** `--hdr-log`: seconds between the interval histograms of `[step<k>.]<variant>.hlog`; no logs without it. */
  hdrLogS?: number;
}

/** Where a run stands, for progress displays. */
export interface RunStatus {
  variant: string;
  /** Measured requests finished, all variants. */
  done: number;
  /** Measured requests the run will make, when it is counted in requests. */
  total: number | undefined;
  errors: number;
  /** Measured requests finished per variant of the current step, in the scenario's order. */
  variants: readonly VariantProgress[];
  /** Measured requests each variant makes per step, when counted. */
  perVariant: number | undefined;
  /** The current variant's TTFT median so far. */
  ttftP50: number | undefined;
  elapsedS: number;
}

export interface VariantProgress {
  name: string;
  done: number;
}

/** Measured requests per variant, when the load is counted (for progress displays). */
export function requestsPerVariant(load: Scenario['load'], dataset: boolean): number | undefined {
  // A dataset conversation has as many turns as it has: only the agent loop's are known.
  if (load.kind === 'session')
    return load.sessions === undefined || dataset ? undefined : load.sessions * (load.turns ?? DEFAULT_TURNS);
  return load.requests;
}
