/**
 * What a run derives from its scenario before anything is measured: the embedded server's options, the
 * request every variant sends, the certificates a variant trusts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ScenarioError } from '../scenario/errors.js';
import { synthesizePrompt } from '../scenario/prompt.js';
import type { Scenario } from '../scenario/schema.js';
import type { ServerOptions } from '../server/index.js';
import type { RequestInput } from './types.js';

export function serverOptions(s: NonNullable<Scenario['server']>): Partial<ServerOptions> & { tls: boolean } {
  return {
    ttftMs: s.ttft_ms,
    prefillTps: s.prefill_tps,
    prefixCache: s.prefix_cache,
    prefixCacheBlocks: s.prefix_cache_blocks,
    tps: s.tps,
    jitter: s.jitter,
    chunkTokens: s.chunk_tokens,
    outputTokens: s.output_tokens,
    httpOverheadMs: s.http_overhead_ms,
    wsOverheadMs: s.ws_overhead_ms,
    wsConnectOverheadMs: s.ws_connect_overhead_ms,
    seed: s.seed,
    stamp: s.stamp,
    maxConcurrent: s.max_concurrent,
    rateLimit: s.rate_limit,
    faults: s.faults,
    tls: s.tls,
  };
}

export function requestInput(s: Scenario): RequestInput {
  const r = s.request;
  return {
    model: r.model,
    prompt: r.prompt ?? synthesizePrompt(r.prompt_tokens ?? 32),
    maxOutputTokens: r.max_output_tokens,
    extra: r.body ?? {},
  };
}

export /** The CA certificates a variant trusts: its `tls.ca` file (relative to the scenario file), else the embedded server's. */
function trustedCa(scenarioFile: string, caFile: string | undefined, embeddedCa: string | undefined): string | undefined {
  if (caFile === undefined) return embeddedCa;
  try {
    return readFileSync(path.resolve(path.dirname(scenarioFile), caFile), 'utf8');
  } catch (err) {
    throw new ScenarioError([{ path: 'tls.ca', message: `cannot read the CA file (${(err as Error).message})` }], scenarioFile);
  }
}
