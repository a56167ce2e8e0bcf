import { now } from '../core/clock.js';
import { ClientMonitor } from '../metrics/client-monitor.js';
import { IntervalLogs } from '../metrics/interval-log.js';
import type { Result } from '../result/result.js';
import { Endpoints } from './endpoints.js';
import type { RunConfig } from './run-config.js';
import { assembleResult, stepFigures, stepLabel, type StepRuns } from './run-result.js';
import { startRun } from './run-start.js';
import { closeLogs, runStep, type StepContext, stepProgress } from './step.js';
import type { VariantRun } from './variant-run.js';
import { runWithWorkers } from './workers.js';

/**
 * Runs a scenario — each step of its sweep in turn, or the scenario alone — and writes the result
 * folder. Failing requests are counted and classified, never thrown; only set-up failures (e.g. the
 * embedded server cannot start, a swept value is invalid after overrides) reject.
 */
export async function runScenario(cfg: RunConfig): Promise<{ result: Result; dir: string }> {
  const { scenario } = cfg;
  if (scenario.workers > 1) return runWithWorkers(cfg, scenario.workers);
  const run = await startRun(cfg);
  const { log } = run;
  const monitor = new ClientMonitor();
  const runStart = now();
  const endpoints = new Endpoints(scenario);
  const steps: StepRuns[] = [];
  let current: { run: VariantRun; label: string } | undefined;
  cfg.watch?.(() => ({
    variant: current?.label ?? '',
    ...stepProgress(steps),
    total: run.total,
    perVariant: run.perVariant,
    ttftP50: current?.run.rec.ttftMedian(),
    elapsedS: (now() - runStart) / 1e9,
  }));
  let hdrLogFailure: string | undefined;
  const hdrLogs = cfg.hdrLogS === undefined ? undefined : new IntervalLogs(cfg.outDir, cfg.hdrLogS);
  const ctx: StepContext = {
    scenario,
    scenarioFile: cfg.loaded.file,
    stepCount: run.steps.length,
    salt: run.salt,
    dataset: run.dataset,
    shard: cfg.shard,
    runStart,
    writeLine: (line) => run.writer.appendRequest(line),
    stopping: run.stopping,
    hardStop: cfg.hardStop,
    monitor,
    log,
    hdrLogs,
    onRuns: (step) => steps.push(step),
    onBlock: (run, label) => {
      current = { run, label };
    },
    afterBlock: (label) => run.outputs.blockDone(label),
    scrapes: true,
  };
  try {
    await run.eachStep(endpoints, async (k, step, endpoint) => {
      await runStep(ctx, k, step, endpoint);
    });
  } finally {
    // The interval logs are closed whatever else fails.
    const logsClosed = closeLogs(hdrLogs);
    await endpoints.close();
    hdrLogFailure = await logsClosed;
    // The outputs close with the run, not with the result folder: a scraper sees the run end.
    await run.outputs.end();
  }
  const result = assembleResult({
    raw: cfg.loaded.raw,
    scenario,
    overrides: cfg.overrides,
    shard: cfg.shard,
    ...stepFigures(scenario, steps),
    stepCount: run.steps.length,
    stopped: run.stopping(),
    targetUrl: endpoints.url,
    startedAt: run.startedAt,
    workload: run.workload(),
    client: monitor.stats(),
    notes: steps.flatMap((s) => s.server?.warnings() ?? []),
    ...(hdrLogFailure !== undefined ? { hdrLogFailure } : {}),
  });
  const histograms = new Map(
    steps.flatMap(({ k, runs }) => runs.map((r) => [stepLabel(scenario, k) + r.variant.name, r.rec.metrics] as const)),
  );
  return run.finish(result, histograms);
}
