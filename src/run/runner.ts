// The o200k tables load with this module, before anything is measured, and are the very ones the prompt
// synthesis uses (one copy in memory).
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { ClientMonitor, clientWarnings } from '../metrics/client-monitor.js';
import { now } from '../core/clock.js';
import { IntervalLogs } from '../metrics/interval-log.js';
import { VariantRecorder } from '../metrics/variant-recorder.js';
import { checkClaims } from '../stats/claims.js';
import { checkThresholds, type ThresholdResult } from '../result/thresholds.js';
import { collectEnv, compareVariants, variantKey, type Result, type VariantResult } from '../result/result.js';
import { progressLine, variantResult, variantWarnings } from './variant-result.js';
import { ResultWriter } from './writer.js';
import type { LoadedScenario } from '../scenario/load.js';
import { displayTarget, redactScenario, scrubber, secretValues } from '../scenario/redact.js';
import { openDataset, requestBase, runSalt, serverOptions, trustedCa } from './run-inputs.js';
import type { Scenario } from '../scenario/schema.js';
import { startEmbeddedServer, type EmbeddedServer } from './embedded.js';
import { ScenarioError } from '../scenario/errors.js';
import type { Shard } from '../scenario/shard.js';
import { isIssues, sweepSteps, type SweepStep } from '../scenario/sweep.js';
import { hostPortOfUrl } from '../net/address.js';
import { startRelayProcess, type RelayProcess } from './relay-process.js';
import { runInterleaved } from './interleave.js';
import { VariantRun } from './variant-run.js';
import { WorkSource } from '../load/work.js';
import { Workload } from '../workload/workload.js';
import { DEFAULT_TURNS } from '../scenario/load-schema.js';

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
  if (load.kind === 'session') return load.sessions === undefined || dataset ? undefined : load.sessions * (load.turns ?? DEFAULT_TURNS);
  return load.requests;
}

/**
 * Whether every prompt of a step differs from its first token, so that input the endpoint says it served
 * from its cache is its own doing (sessions build on cached context legitimately; datasets share what
 * they share).
 */
function uniquePrompts(s: Scenario): boolean {
  return s.dataset === undefined && s.request.shared_prefix_tokens === 0 && s.load.kind !== 'session';
}

/** A step's prefix in file names and warnings; none without a sweep. */
function stepLabel(scenario: Scenario, k: number): string {
  return scenario.sweep === undefined ? '' : variantKey('', k);
}

/**
 * Runs a scenario — each step of its sweep in turn, or the scenario alone — and writes the result
 * folder. Failing requests are counted and classified, never thrown; only set-up failures (e.g. the
 * embedded server cannot start, a swept value is invalid after overrides) reject.
 */
export async function runScenario(cfg: RunConfig): Promise<{ result: Result; dir: string }> {
  const { scenario } = cfg;
  const steps = sweepSteps(scenario);
  if (isIssues(steps)) throw new ScenarioError(steps);
  // Every record is checked before anything starts or is sent.
  const dataset = await openDataset(cfg.loaded.file, scenario);
  const salt = runSalt(scenario, cfg.shard);
  const startedAt = new Date();
  const scrub = scrubber(secretValues(scenario.variants, scenario.redact));
  const log = (line: string): void => cfg.log(scrub(line));
  const writer = new ResultWriter(cfg.outDir, scrub);
  const monitor = new ClientMonitor();
  const runStart = now();
  // The server is one process for the whole run unless the sweep varies the server itself.
  const perStepServer = scenario.sweep?.param.startsWith('server.') === true;
  let embedded: EmbeddedServer | undefined;
  const all: { k: number; value: SweepStep['value']; scenario: Scenario; runs: VariantRun[] }[] = [];
  let current: VariantRun | undefined;
  let currentLabel = '';
  const perVariant = requestsPerVariant(scenario.load, dataset !== undefined);
  cfg.watch?.(() => {
    const runs = all.flatMap((s) => s.runs);
    return {
      variant: currentLabel,
      done: runs.reduce((n, r) => n + r.rec.requests, 0),
      total: perVariant === undefined ? undefined : perVariant * scenario.variants.length * steps.length,
      errors: runs.reduce((n, r) => n + r.rec.requests - r.rec.ok, 0),
      ttftP50: current?.rec.ttftMedian(),
      elapsedS: (now() - runStart) / 1e9,
    };
  });
  let targetUrl = scenario.target;
  let hdrLogFailure: string | undefined;
  let relay: RelayProcess | undefined;
  const hdrLogs = cfg.hdrLogS === undefined ? undefined : new IntervalLogs(cfg.outDir, cfg.hdrLogS);
  try {
    for (const [k, step] of steps.entries()) {
      if (cfg.stopping()) break;
      const s = step.scenario;
      if (s.server !== undefined && (embedded === undefined || perStepServer)) {
        await relay?.close();
        relay = undefined;
        await embedded?.close();
        embedded = await startEmbeddedServer(serverOptions(s.server));
      }
      targetUrl = embedded?.url ?? s.target;
      if (s.network !== undefined && relay === undefined) {
        const n = s.network;
        relay = await startRelayProcess(hostPortOfUrl(new URL(targetUrl)), {
          rttMs: n.rtt_ms,
          jitterMs: n.jitter_ms,
          bandwidthKbps: n.bandwidth_kbps,
          seed: n.seed,
        });
      }
      if (scenario.sweep !== undefined) log(`step ${k + 1}/${steps.length}: ${scenario.sweep.param} = ${String(step.value)}`);
      const workload = new Workload(s, salt, dataset, cfg.shard);
      const target = new URL(targetUrl);
      const dial = relay === undefined ? undefined : { host: relay.host, port: relay.port };
      const runs = s.variants.map(
        (variant, v) =>
          new VariantRun(
            s,
            variant,
            { target, dial, tls: { ...variant.tls, ca: trustedCa(cfg.loaded.file, variant.tls.ca, embedded?.ca) } },
            // Each variant of each step has a slot of its own, so none reads another's prompt cache.
            new WorkSource(workload.feed(k * s.variants.length + v, steps.length * s.variants.length), requestBase(s, variant)),
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
      all.push({ k, value: step.value, scenario: s, runs });
      for (const r of runs) hdrLogs?.start(stepLabel(scenario, k) + r.variant.name, r.rec.metrics);
      try {
        await runInterleaved(s, runs, {
          stopping: cfg.stopping,
          monitor,
          onBlock: (run) => {
            current = run;
            currentLabel = stepLabel(scenario, k) + run.variant.name;
          },
          onVariantDone: (run) => log(progressLine(stepLabel(scenario, k) + run.variant.name, run.rec)),
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
    await relay?.close();
    await embedded?.close();
    hdrLogFailure = await logsClosed;
  }
  // Both clocks read back to back, so harness times convert to the wall clock to Date's millisecond
  // (startedAt and runStart have set-up between them).
  const wallMs = Date.now();
  const monoNs = now();
  const wall = (t: number): Date => new Date(wallMs - (monoNs - t) / 1e6);
  const results = all.map(({ scenario: s, runs }) =>
    runs.map((r) => variantResult(r.variant, r.rec, s.load.kind === 'open' ? s.load.rate : undefined, wall)),
  );
  const client = monitor.stats();
  const failed = all.flatMap(({ k, runs }) => runs.filter((r) => r.failure !== undefined).map((r) => `${stepLabel(scenario, k)}${r.variant.name}: stopped: ${r.failure}`));
  const complete =
    !cfg.stopping() && failed.length === 0 && all.length === steps.length && all.every((s) => s.runs.every((r) => r.done));
  const workloadInfo = new Workload(scenario, salt, dataset, cfg.shard).info(scenario.dataset?.path);
  const sweep = scenario.sweep;
  const claimsOf = (variants: VariantResult[]) =>
    scenario.claims === undefined ? {} : { claims: checkClaims(scenario.claims, variants, scenario.seed) };
  const limits = scenario.thresholds;
  // With a sweep every step is checked: each result names the step it failed at.
  const thresholds: ThresholdResult[] | undefined =
    limits === undefined
      ? undefined
      : all.flatMap(({ k }, i) => checkThresholds(limits, results[i], scenario.slo !== undefined, sweep === undefined ? undefined : k));
  const result: Result = {
    schema: 'wirebench.result/v1',
    complete,
    ...(cfg.shard !== undefined ? { shard: cfg.shard } : {}),
    scenario: redactScenario(cfg.loaded.raw, scenario.redact),
    workload: workloadInfo,
    ...(cfg.overrides !== undefined && Object.keys(cfg.overrides).length > 0 ? { overrides: cfg.overrides } : {}),
    target: scenario.target === 'embedded' ? `embedded (${targetUrl})` : displayTarget(targetUrl),
    env: collectEnv(startedAt, new Date()),
    // With a sweep every variant lives in its steps: no step is "the" result.
    variants: sweep === undefined ? (results[0] ?? []) : [],
    comparisons: sweep === undefined ? compareVariants(results[0] ?? []) : [],
    ...(sweep === undefined ? claimsOf(results[0] ?? []) : {}),
    ...(thresholds !== undefined ? { thresholds } : {}),
    ...(sweep === undefined
      ? {}
      : {
          sweep: { param: sweep.param, values: sweep.values },
          steps: all.map(({ value }, i) => ({
            param: sweep.param,
            value,
            variants: results[i],
            comparisons: compareVariants(results[i]),
            ...claimsOf(results[i]),
          })),
        }),
    client,
    warnings: [
      ...clientWarnings(client),
      ...(hdrLogFailure === undefined ? [] : [hdrLogFailure]),
      ...(scenario.network !== undefined
        ? [
            `network emulated by a relay (rtt ${scenario.network.rtt_ms} ms): TCP handshakes are not delayed, so connect_ms ` +
              'keeps its loopback value and a fresh connection costs one RTT less than on a real path (TLS and every ' +
              'exchange after it are delayed); scripts/netns-netem.sh emulates the handshake too',
          ]
        : []),
      ...failed,
      ...all.flatMap(({ k, scenario: s }, i) => variantWarnings(results[i], uniquePrompts(s)).map((w) => stepLabel(scenario, k) + w)),
    ],
  };
  const histograms = new Map(all.flatMap(({ k, runs }) => runs.map((r) => [stepLabel(scenario, k) + r.variant.name, r.rec.metrics] as const)));
  // result.json is written by now: a report that cannot be written is said, and the run's verdict stands.
  for (const problem of await writer.finish(result, histograms)) log(`warning: ${problem}`);
  // What the caller prints comes from the same scrubbed text that was written.
  return { result: JSON.parse(scrub(JSON.stringify(result))) as Result, dir: cfg.outDir };
}
