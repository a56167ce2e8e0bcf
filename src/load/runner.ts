// The o200k tables load with this module, before anything is measured, and are the very ones the prompt
// synthesis uses (one copy in memory).
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { ClientMonitor, clientWarnings } from '../metrics/client-monitor.js';
import { now } from '../metrics/clock.js';
import { VariantRecorder } from '../metrics/variant-recorder.js';
import { collectEnv, compareVariants, type Result } from '../report/result.js';
import { progressLine, variantResult, variantWarnings } from '../report/variant-result.js';
import { ResultWriter } from '../report/writer.js';
import type { LoadedScenario } from '../scenario/load.js';
import { synthesizePrompt } from '../scenario/prompt.js';
import { redactScenario } from '../scenario/redact.js';
import type { Scenario } from '../scenario/schema.js';
import { startEmbeddedServer, type EmbeddedServer } from '../server/embedded.js';
import type { ServerOptions } from '../server/index.js';
import { collectGarbage } from './gc.js';
import type { RequestInput } from './types.js';
import { VariantRun } from './variant-run.js';
import { rng } from '../shared/rng.js';

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
  /** Handed, once the run starts, a way to read its status (for a progress display). */
  watch?: (status: () => RunStatus) => void;
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

export function serverOptions(s: NonNullable<Scenario['server']>): Partial<ServerOptions> {
  return {
    ttftMs: s.ttft_ms,
    tps: s.tps,
    jitter: s.jitter,
    chunkTokens: s.chunk_tokens,
    outputTokens: s.output_tokens,
    httpOverheadMs: s.http_overhead_ms,
    wsOverheadMs: s.ws_overhead_ms,
    wsConnectOverheadMs: s.ws_connect_overhead_ms,
    seed: s.seed,
    stamp: s.stamp,
  };
}

function requestInput(s: Scenario): RequestInput {
  const r = s.request;
  return {
    model: r.model,
    prompt: r.prompt ?? synthesizePrompt(r.prompt_tokens ?? 32),
    maxOutputTokens: r.max_output_tokens,
    extra: r.body ?? {},
  };
}

/** Hides credentials a target URL may carry, since the URL is written into result.json. */
export function displayTarget(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  // Some gateways take the key as a query parameter (?api-key=…): keep the names, never the values.
  for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, '[redacted]');
  return u.href;
}

/** Seconds of measuring per variant per block, for interleaved duration loads. */
const BLOCK_SECONDS = 2;

/** Blocks long enough that every user gets several requests, short enough that variants alternate often. */
function blockSize(s: Scenario): number {
  return s.load.kind === 'closed' ? Math.max(20, 4 * s.load.concurrency) : Infinity;
}

/** Fisher–Yates with the scenario's seed: a random order that a re-run repeats. */
function shuffleInPlace<T>(xs: T[], rand: () => number): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
}

/**
 * Runs the variants of a scenario — by default interleaved in alternating blocks, so drift on a shared
 * machine hits every variant alike — and writes the result folder. Failing requests
 * are counted and classified, never thrown; only set-up failures (e.g. the embedded server cannot start)
 * reject.
 */
export async function runScenario(cfg: RunConfig): Promise<{ result: Result; dir: string }> {
  const { scenario } = cfg;
  const startedAt = new Date();
  const embedded: EmbeddedServer | undefined =
    scenario.server !== undefined ? await startEmbeddedServer(serverOptions(scenario.server)) : undefined;
  const targetUrl = embedded?.url ?? scenario.target;
  const writer = new ResultWriter(cfg.outDir);
  const monitor = new ClientMonitor();
  const runStart = now();
  const input = requestInput(scenario);
  const target = new URL(targetUrl);
  const runs = scenario.variants.map(
    (variant) =>
      new VariantRun(
        scenario,
        variant,
        target,
        input,
        new VariantRecorder(variant.name, runStart, countTokens, (line) => writer.appendRequest(line)),
        cfg.stopping,
        cfg.hardStop,
      ),
  );
  const interleaved = scenario.order !== 'sequential' && scenario.load.kind === 'closed';
  const blockRequests = interleaved ? (scenario.block ?? blockSize(scenario)) : Infinity;
  const blockSeconds = interleaved ? BLOCK_SECONDS : Infinity;
  const shuffle = rng(scenario.seed);
  let current = runs[0];
  const perVariant = scenario.load.requests;
  cfg.watch?.(() => {
    return {
      variant: current.variant.name,
      done: runs.reduce((n, r) => n + r.rec.requests, 0),
      total: perVariant === undefined ? undefined : perVariant * runs.length,
      errors: runs.reduce((n, r) => n + r.rec.requests - r.rec.ok, 0),
      ttftP50: current.rec.ttftMedian(),
      elapsedS: (now() - runStart) / 1e9,
    };
  });
  try {
    while (!cfg.stopping() && runs.some((r) => !r.done)) {
      const round = runs.filter((r) => !r.done);
      if (scenario.order === 'random') shuffleInPlace(round, shuffle);
      for (const run of round) {
        if (cfg.stopping()) break;
        current = run;
        collectGarbage();
        // Only the measured part is watched: warm-up is where first-use costs (JIT, undici's parser
        // compiling) belong, and they would read as a loaded client.
        await run.block(blockRequests, blockSeconds, () => monitor.resume());
        monitor.pause();
        run.rec.endBlock();
        if (run.done) cfg.log(progressLine(run.variant.name, run.rec));
      }
    }
  } finally {
    await Promise.all(runs.map((r) => r.close()));
    await embedded?.close();
  }
  const rate = scenario.load.kind === 'open' ? scenario.load.rate : undefined;
  const variants = runs.map((r) => variantResult(r.variant, r.rec, rate));
  const client = monitor.stats();
  const result: Result = {
    schema: 'wirebench.result/v1',
    complete: !cfg.stopping() && runs.every((r) => r.done),
    scenario: redactScenario(cfg.loaded.raw),
    ...(cfg.overrides !== undefined && Object.keys(cfg.overrides).length > 0 ? { overrides: cfg.overrides } : {}),
    target: scenario.target === 'embedded' ? `embedded (${targetUrl})` : displayTarget(targetUrl),
    env: collectEnv(startedAt, new Date()),
    variants,
    comparisons: compareVariants(variants),
    client,
    warnings: [...clientWarnings(client), ...variantWarnings(variants)],
  };
  await writer.finish(result, new Map(runs.map((r) => [r.variant.name, r.rec.metrics])));
  return { result, dir: cfg.outDir };
}
