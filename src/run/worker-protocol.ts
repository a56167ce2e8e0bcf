/**
 * The messages between a run and its worker threads (`workers: N`). Each worker runs one shard of the load
 * (as `--shard` splits it) on its own connections and recorders; the parent owns the endpoints, the
 * block barrier, requests.jsonl and the one result. Plain data only: everything crosses by structured clone.
 */
import type { LoadedScenario } from '../scenario/load.js';
import type { Shard } from '../scenario/shard.js';
import type { StepEndpoint } from './endpoints.js';
import type { VariantProgress } from './run-config.js';
import type { RunOutcome } from './run-result.js';

export interface WorkerInit {
  /** From 1. */
  worker: number;
  /** The scenario after the run's overrides, before this worker's shard of the load. */
  loaded: LoadedScenario;
  shard: Shard;
  /** The run's start, `process.hrtime.bigint()` in decimal: every worker's requests.jsonl times count from it. */
  runStart: string;
  /** The run's salt: each worker's prompts are apart from the others' (partSalt). */
  salt: number;
  /** `--hdr-log`: the folder of this worker's interval logs, and their interval. */
  hdrLog?: { dir: string; seconds: number };
}

/** A worker's figures: its steps as it measured them, to be added exactly to the other workers'. */
export type WorkerPart = Pick<RunOutcome, 'steps' | 'done' | 'failed' | 'client' | 'targetUrl' | 'hdrLogFailure'> & {
  worker: number;
};

export type ToWorker =
  /** Run step k against this endpoint. */
  | { type: 'step'; k: number; endpoint: StepEndpoint }
  /** Every worker has reached its next block: start it. `at`: that instant (hrtime, decimal), the block's shared origin. */
  | { type: 'go'; at: string }
  /** The user asked to stop (`hard`: cut in-flight requests short now). */
  | { type: 'stop'; hard: boolean }
  /** No more steps: send the result. */
  | { type: 'finish' };

/** A worker's progress: its measured requests and failures, the variant it runs, per variant of the step. */
export interface WorkerStatus {
  done: number;
  errors: number;
  variant: string;
  variants: readonly VariantProgress[];
}

export type FromWorker =
  /** Set up (dataset indexed, scenario sharded): the run may start. */
  | { type: 'ready' }
  /** Ready for the block of the variant labelled so; waits for `go`. */
  | { type: 'block'; label: string }
  | { type: 'step-done' }
  | ({ type: 'status' } & WorkerStatus)
  /** requests.jsonl lines, scrubbed, newline-terminated. */
  | { type: 'lines'; text: string }
  | { type: 'log'; line: string }
  | { type: 'result'; part: WorkerPart }
  /** The worker cannot go on (set-up or a step failed); it sends nothing more. */
  | { type: 'failed'; message: string };
