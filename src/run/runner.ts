import { now } from '../core/clock.js';
import { ClientMonitor } from '../metrics/client-monitor.js';
import { IntervalLogs } from '../metrics/interval-log.js';
import type { Result } from '../result/result.js';
import { scrubber, secretValues } from '../scenario/redact.js';
import { isIssues, sweepSteps } from '../scenario/sweep.js';
import { ScenarioError } from '../shared/input-error.js';
import { Workload } from '../workload/workload.js';
import { Endpoints } from './endpoints.js';
import { requestsPerVariant, type RunConfig } from './run-config.js';
import { openDataset, runSalt } from './run-inputs.js';
import { assembleResult, stepFigures, stepLabel, type StepRuns } from './run-result.js';
import { runStep, type StepContext } from './step.js';
import type { VariantRun } from './variant-run.js';
import { runWithWorkers } from './workers.js';
import { ResultWriter } from './writer.js';

/**
 * Runs a scenario — each step of its sweep in turn, or the scenario alone — and writes the result
 * folder. Failing requests are counted and classified, never thrown; only set-up failures (e.g. the
 * embedded server cannot start, a swept value is invalid after overrides) reject.
 */
export async function runScenario(cfg: RunConfig): Promise<{ result: Result; dir: string }> {
  const { scenario } = cfg;
  if (scenario.workers > 1) {
    if (cfg.hdrLogS !== undefined)
      throw new ScenarioError([
        { path: '--hdr-log', message: 'interval logs are not written by worker threads yet (workers: 1)' },
      ]);
    return runWithWorkers(cfg, scenario.workers);
  }
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
  const ctx: StepContext = {
    scenario,
    scenarioFile: cfg.loaded.file,
    stepCount: stepList.length,
    salt,
    dataset,
    shard: cfg.shard,
    runStart,
    writeLine: (line) => writer.appendRequest(line),
    stopping: cfg.stopping,
    hardStop: cfg.hardStop,
    monitor,
    log,
    onRuns: (step, label) => {
      steps.push(step);
      for (const r of step.runs) hdrLogs?.start(label(r), r.rec.metrics);
    },
    onBlock: (run, label) => {
      current = { run, label };
    },
  };
  try {
    for (const [k, step] of stepList.entries()) {
      if (cfg.stopping()) break;
      const endpoint = await endpoints.forStep(step.scenario);
      if (scenario.sweep !== undefined)
        log(`step ${k + 1}/${stepList.length}: ${scenario.sweep.param} = ${String(step.value)}`);
      try {
        await runStep(ctx, k, step, endpoint);
      } finally {
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
    ...stepFigures(scenario, steps),
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
