import path from 'node:path';

import type { MetricSet } from '../metrics/metric-set.js';
import { Outputs } from '../output/outputs.js';
import type { Result } from '../result/result.js';
import { scrubber, secretValues } from '../scenario/redact.js';
import { isIssues, type SweepStep, sweepSteps } from '../scenario/sweep.js';
import { ScenarioError } from '../shared/input-error.js';
import type { DatasetIndex } from '../workload/dataset/index.js';
import type { WorkloadInfo } from '../workload/types.js';
import { Workload } from '../workload/workload.js';
import type { Endpoints, StepEndpoint } from './endpoints.js';
import { requestsPerVariant, type RunConfig } from './run-config.js';
import { openDataset, runSalt } from './run-inputs.js';
import { ResultWriter } from './writer.js';

/** What a run (on this thread or on workers) sets up before anything is sent, and how it ends. */
export interface RunStart {
  steps: SweepStep[];
  dataset: DatasetIndex | undefined;
  salt: number;
  startedAt: Date;
  log: (line: string) => void;
  writer: ResultWriter;
  /** `--out KIND=TARGET`, fed the lines the writer writes; ended (idempotent) when the run ends. */
  outputs: Outputs;
  /** The user asked to stop, or the results can no longer be written: either way, schedule no more. */
  stopping: () => boolean;
  /** Measured requests the run will make, all variants and steps, when the load is counted. */
  total: number | undefined;
  /** Measured requests per variant and step, when counted. */
  perVariant: number | undefined;
  workload: () => WorkloadInfo;
  /** Runs each step, the user's stop permitting, against the endpoint `endpoints` gives it. */
  eachStep: (
    endpoints: Endpoints,
    run: (k: number, step: SweepStep, endpoint: StepEndpoint) => Promise<void>,
  ) => Promise<void>;
  /** Writes the result folder and hands back the result as written (scrubbed). */
  finish: (result: Result, histograms: ReadonlyMap<string, MetricSet>) => Promise<{ result: Result; dir: string }>;
}

export async function startRun(cfg: RunConfig): Promise<RunStart> {
  const { scenario } = cfg;
  const steps = sweepSteps(scenario);
  if (isIssues(steps)) throw new ScenarioError(steps);
  // Every record is checked before anything starts or is sent.
  const dataset = await openDataset(cfg.loaded.file, scenario);
  const salt = runSalt(scenario, cfg.shard);
  const scrub = scrubber(secretValues(scenario.variants, scenario.redact));
  const log = (line: string): void => cfg.log(scrub(line));
  // Started before the writer, whose lines it taps; an output that cannot start is a warning, not an error.
  const outputs = await Outputs.start(
    cfg.outputs ?? [],
    { scenario: scenario.name, run: path.basename(cfg.outDir) },
    (line) => (cfg.warn ?? cfg.log)(scrub(line)),
  );
  let writer: ResultWriter;
  try {
    writer = new ResultWriter(cfg.outDir, scrub, (text) => outputs.lines(text));
  } catch (err) {
    // A listening output would keep the process alive after the error is said.
    await outputs.end();
    throw err;
  }
  let said = false;
  const stopping = (): boolean => {
    if (writer.failure === undefined) return cfg.stopping();
    if (!said) log(`stopping: ${writer.failure}; the summary is printed all the same`);
    said = true;
    return true;
  };
  const perVariant = requestsPerVariant(scenario.load, dataset !== undefined);
  return {
    steps,
    dataset,
    salt,
    startedAt: new Date(),
    log,
    writer,
    outputs,
    stopping,
    total: perVariant === undefined ? undefined : perVariant * scenario.variants.length * steps.length,
    perVariant,
    workload: () => new Workload(scenario, salt, dataset, cfg.shard).info(scenario.dataset?.path),
    eachStep: async (endpoints, run) => {
      for (const [k, step] of steps.entries()) {
        if (stopping()) break;
        const endpoint = await endpoints.forStep(step.scenario);
        if (scenario.sweep !== undefined)
          log(`step ${k + 1}/${steps.length}: ${scenario.sweep.param} = ${String(step.value)}`);
        await run(k, step, endpoint);
      }
    },
    finish: async (result, histograms) => {
      // result.json is written by now: a report that cannot be written is said, and the run's verdict stands.
      const { result: written, problems } = await writer.finish(result, histograms);
      for (const problem of problems) log(`warning: ${problem}`);
      // What the caller prints is what was written.
      return { result: written, dir: cfg.outDir };
    },
  };
}
