// The o200k tables load with this module, before anything is measured, and are the very ones the prompt
// synthesis uses (one copy in memory).
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

import { now } from '../core/clock.js';
import { WorkSource } from '../load/work.js';
import { ClientMonitor } from '../metrics/client-monitor.js';
import { IntervalLogs } from '../metrics/interval-log.js';
import { VariantRecorder } from '../metrics/variant-recorder.js';
import type { Result } from '../result/result.js';
import type { LoadedScenario } from '../scenario/load.js';
import { DEFAULT_TURNS } from '../scenario/load-schema.js';
import { scrubber, secretValues } from '../scenario/redact.js';
import type { Scenario } from '../scenario/schema.js';
import type { Shard } from '../scenario/shard.js';
import { isIssues, sweepSteps } from '../scenario/sweep.js';
import { ScenarioError } from '../shared/input-error.js';
import { Workload } from '../workload/workload.js';
import { Endpoints } from './endpoints.js';
import { runInterleaved } from './interleave.js';
import { openDataset, requestBase, runSalt, trustedCa } from './run-inputs.js';
import { assembleResult, stepLabel, type StepRuns } from './run-result.js';
import { progressLine } from './variant-result.js';
import { VariantRun } from './variant-run.js';
import { ResultWriter } from './writer.js';

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
  /** The current variant's TTFT median so far. */
  ttftP50: number | undefined;
  elapsedS: number;
}

/** Measured requests per variant, when the load is counted (for progress displays). */
function requestsPerVariant(load: Scenario['load'], dataset: boolean): number | undefined {
  // A dataset conversation has as many turns as it has: only the agent loop's are known.
  if (load.kind === 'session')
    return load.sessions === undefined || dataset ? undefined : load.sessions * (load.turns ?? DEFAULT_TURNS);
  return load.requests;
}

/**
 * Runs a scenario — each step of its sweep in turn, or the scenario alone — and writes the result
 * folder. Failing requests are counted and classified, never thrown; only set-up failures (e.g. the
 * embedded server cannot start, a swept value is invalid after overrides) reject.
 */
export async function runScenario(cfg: RunConfig): Promise<{ result: Result; dir: string }> {
  const { scenario } = cfg;
  const stepList = sweepSteps(scenario);
  if (isIssues(stepList)) throw new ScenarioError(stepList);
  // Every record is checked before anything starts or is sent.
  const dataset = await openDataset(cfg.loaded.file, scenario);
  const salt = runSalt(scenario, cfg.shard);
  const startedAt = new Date();
  const scrub = scrubber(secretValues(scenario.variants, scenario.redact));
  const log = (line: string): void => cfg.log(scrub(line));
  const writer = new ResultWriter(cfg.outDir, scrub);
  const monitor = new ClientMonitor();
  const runStart = now();
  const endpoints = new Endpoints(scenario);
  const steps: StepRuns[] = [];
  let current: { run: VariantRun; label: string } | undefined;
  const perVariant = requestsPerVariant(scenario.load, dataset !== undefined);
  cfg.watch?.(() => {
    const runs = steps.flatMap((s) => s.runs);
    return {
      variant: current?.label ?? '',
      done: runs.reduce((n, r) => n + r.rec.requests, 0),
      total: perVariant === undefined ? undefined : perVariant * scenario.variants.length * stepList.length,
      errors: runs.reduce((n, r) => n + r.rec.requests - r.rec.ok, 0),
      ttftP50: current?.run.rec.ttftMedian(),
      elapsedS: (now() - runStart) / 1e9,
    };
  });
  let hdrLogFailure: string | undefined;
  const hdrLogs = cfg.hdrLogS === undefined ? undefined : new IntervalLogs(cfg.outDir, cfg.hdrLogS);
  try {
    for (const [k, step] of stepList.entries()) {
      if (cfg.stopping()) break;
      const s = step.scenario;
      const endpoint = await endpoints.forStep(s);
      if (scenario.sweep !== undefined)
        log(`step ${k + 1}/${stepList.length}: ${scenario.sweep.param} = ${String(step.value)}`);
      const workload = new Workload(s, salt, dataset, cfg.shard);
      const target = new URL(endpoint.url);
      const label = (run: VariantRun): string => stepLabel(scenario, k) + run.variant.name;
      const runs = s.variants.map(
        (variant, v) =>
          new VariantRun(
            s,
            variant,
            {
              target,
              dial: endpoint.dial,
              tls: { ...variant.tls, ca: trustedCa(cfg.loaded.file, variant.tls.ca, endpoint.ca) },
            },
            // Each variant of each step has a slot of its own, so none reads another's prompt cache.
            new WorkSource(
              workload.feed(k * s.variants.length + v, stepList.length * s.variants.length),
              requestBase(s, variant),
            ),
            new VariantRecorder(
              variant.name,
              runStart,
              countTokens,
              (line) => writer.appendRequest(line),
              scenario.sweep ? k : undefined,
              s.slo,
            ),
            cfg.stopping,
            cfg.hardStop,
          ),
      );
      steps.push({ k, value: step.value, scenario: s, runs });
      for (const r of runs) hdrLogs?.start(label(r), r.rec.metrics);
      try {
        await runInterleaved(s, runs, {
          stopping: cfg.stopping,
          monitor,
          onBlock: (run) => {
            current = { run, label: label(run) };
          },
          onVariantDone: (run) => log(progressLine(label(run), run.rec)),
        });
      } finally {
        await Promise.all(runs.map((r) => r.close()));
        hdrLogs?.closeFiles();
      }
    }
  } finally {
    // The interval logs are closed whatever else fails; a failure of theirs is a warning in the result,
    // never a lost result.
    const logsClosed = hdrLogs?.close().then(
      () => undefined,
      (err: Error) => err.message,
    );
    await endpoints.close();
    hdrLogFailure = await logsClosed;
  }
  const result = assembleResult({
    raw: cfg.loaded.raw,
    scenario,
    overrides: cfg.overrides,
    shard: cfg.shard,
    steps,
    stepCount: stepList.length,
    stopped: cfg.stopping(),
    targetUrl: endpoints.url,
    startedAt,
    workload: new Workload(scenario, salt, dataset, cfg.shard).info(scenario.dataset?.path),
    client: monitor.stats(),
    ...(hdrLogFailure !== undefined ? { hdrLogFailure } : {}),
  });
  const histograms = new Map(
    steps.flatMap(({ k, runs }) => runs.map((r) => [stepLabel(scenario, k) + r.variant.name, r.rec.metrics] as const)),
  );
  // result.json is written by now: a report that cannot be written is said, and the run's verdict stands.
  for (const problem of await writer.finish(result, histograms)) log(`warning: ${problem}`);
  // What the caller prints comes from the same scrubbed text that was written.
  return { result: JSON.parse(scrub(JSON.stringify(result))) as Result, dir: cfg.outDir };
}
