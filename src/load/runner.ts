// The o200k tables load with this module, before anything is measured, and are the very ones the prompt
// synthesis uses (one copy in memory).
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { ClientMonitor, clientWarnings } from '../metrics/client-monitor.js';
import { now, systemClock } from '../metrics/clock.js';
import { VariantRecorder } from '../metrics/variant-recorder.js';
import { getProtocol } from '../protocols/registry.js';
import { collectEnv, compareVariants, type Result, type VariantResult } from '../report/result.js';
import { progressLine, variantResult, variantWarnings } from '../report/variant-result.js';
import { ResultWriter } from '../report/writer.js';
import type { LoadedScenario } from '../scenario/load.js';
import { synthesizePrompt } from '../scenario/prompt.js';
import { redactScenario } from '../scenario/redact.js';
import type { Scenario } from '../scenario/schema.js';
import { startEmbeddedServer, type EmbeddedServer } from '../server/embedded.js';
import type { ServerOptions } from '../server/index.js';
import { getTransport } from '../transport/registry.js';
import type { Timeline } from '../metrics/timeline.js';
import { runClosed } from './closed.js';
import { runOpen } from './open.js';
import { collectGarbage } from './gc.js';
import type { Connection, RequestInput } from './types.js';

export interface RunConfig {
  loaded: LoadedScenario;
  /** The scenario after CLI overrides. */
  scenario: Scenario;
  outDir: string;
  /** Progress and notices for a person (stderr); never results. */
  log: (line: string) => void;
  /** Polled between requests: true once the user asked to stop (Ctrl-C). */
  stopping: () => boolean;
  /** The CLI flags that changed `scenario`, recorded so the result says what actually ran. */
  overrides?: Record<string, unknown>;
}

type Variant = Scenario['variants'][number];

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

/**
 * Runs every variant of a scenario (one after another) and writes the result folder. Failing requests
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
  const recorders: VariantRecorder[] = [];
  const variants: VariantResult[] = [];
  try {
    const input = requestInput(scenario);
    for (const variant of scenario.variants) {
      if (cfg.stopping()) break;
      const rec = new VariantRecorder(variant.name, runStart, countTokens, (line) =>
        writer.appendRequest(line),
      );
      recorders.push(rec);
      collectGarbage();
      // Only the measured part is watched: warm-up is where first-use costs (JIT, undici's parser
      // compiling) belong, and they would read as a loaded client.
      await runVariant(scenario, variant, new URL(targetUrl), input, rec, cfg, () => monitor.resume());
      monitor.pause();
      variants.push(variantResult(variant, rec, scenario.load.kind === 'open' ? scenario.load.rate : undefined));
      cfg.log(progressLine(variant.name, rec));
    }
  } finally {
    await embedded?.close();
  }
  const client = monitor.stats();
  const result: Result = {
    schema: 'wirebench.result/v1',
    complete: !cfg.stopping() && variants.length === scenario.variants.length,
    scenario: redactScenario(cfg.loaded.raw),
    ...(cfg.overrides !== undefined && Object.keys(cfg.overrides).length > 0 ? { overrides: cfg.overrides } : {}),
    target: scenario.target === 'embedded' ? `embedded (${targetUrl})` : displayTarget(targetUrl),
    env: collectEnv(startedAt, new Date()),
    variants,
    comparisons: compareVariants(variants),
    client,
    warnings: [...clientWarnings(client), ...variantWarnings(variants)],
  };
  await writer.finish(result, new Map(recorders.map((r) => [r.name, r.metrics])));
  return { result, dir: cfg.outDir };
}

async function runVariant(
  scenario: Scenario,
  variant: Variant,
  target: URL,
  input: RequestInput,
  rec: VariantRecorder,
  cfg: RunConfig,
  onMeasuring: () => void,
): Promise<void> {
  const protocol = getProtocol(variant.protocol);
  if (protocol === undefined) throw new Error(`unknown protocol ${variant.protocol}`);
  const transport = getTransport(variant.connection);
  const opts = {
    target,
    headers: variant.headers, // already merged over the scenario's top-level headers
    perMessageDeflate: variant.per_message_deflate ?? false,
  };
  const common = {
    input,
    timeoutMs: scenario.timeout * 1000,
    clock: systemClock,
    stopping: cfg.stopping,
    keepText: () => rec.needsText,
    onMeasuring,
    // `intended` is the start for closed loops and the schedule's for open ones: CO-safe either way.
    onDone: (tl: Timeline, i: number, warmup: boolean) => rec.commit(tl, i, warmup, tl.intended),
  };
  const load = scenario.load;
  let connections: Connection[] = [];
  try {
    if (load.kind === 'open') {
      connections = await runOpen({ ...common, load, connect: () => transport.connection(protocol, opts) });
    } else {
      connections = Array.from({ length: load.concurrency }, () => transport.connection(protocol, opts));
      await runClosed({ ...common, load, connections });
    }
  } finally {
    await Promise.all(connections.map((c) => c.close()));
  }
}
