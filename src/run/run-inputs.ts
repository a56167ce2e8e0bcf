/**
 * What a run derives from its scenario before anything is measured: the embedded server's options, what
 * every request of a variant shares, the dataset, the certificates a variant trusts.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { RequestBase } from '../load/work.js';
import type { Scenario } from '../scenario/schema.js';
import type { ScenarioServerOptions } from '../scenario/server-options.js';
import { OPTION_LIST, type StartOptions } from '../server/options.js';
import { ScenarioError } from '../shared/input-error.js';
import { type DatasetIndex, indexDataset } from '../workload/dataset/index.js';

/** The embedded server's options: every scenario key under its server key (the schema's mapping). */
export function serverOptions(s: ScenarioServerOptions): StartOptions {
  const keys = OPTION_LIST.flatMap(([key, spec]) =>
    spec.scenario === undefined ? [] : [[key, spec.scenario as keyof ScenarioServerOptions] as const],
  );
  return Object.fromEntries(keys.map(([key, scenarioKey]) => [key, s[scenarioKey]]));
}

/** What every request of `variant` shares: the model, the body fields, the exact-output knobs. */
export function requestBase(s: Scenario, variant: Scenario['variants'][number]): RequestBase {
  return { model: s.request.model, extra: s.request.body, knobs: variant.exact_output ?? s.request.exact_output };
}

/**
 * The dataset of a scenario, read through once (every record checked) before anything is sent: a bad
 * line is the scenario's error, with the file and line. The path is relative to the scenario file.
 */
export async function openDataset(scenarioFile: string, s: Scenario): Promise<DatasetIndex | undefined> {
  const d = s.dataset;
  if (d === undefined) return undefined;
  const index = await indexDataset(path.resolve(path.dirname(scenarioFile), d.path), d.format);
  const kind = s.load.kind;
  const problem =
    kind === 'trace' && index.timestamps === undefined
      ? `a trace needs a timestamp on every record; ${index.format} records have none`
      : kind === 'session' && !CONVERSATION_FORMATS.includes(index.format)
        ? `sessions replay conversations (sharegpt, or jsonl with messages); ${index.format} holds lengths only`
        : undefined;
  if (problem !== undefined) throw new ScenarioError([{ path: 'dataset', message: problem }], scenarioFile);
  return index;
}

const CONVERSATION_FORMATS: readonly string[] = ['jsonl', 'sharegpt'];

/** The run's salt: the scenario's, else a new one, so that no run reads a prompt cache an earlier one filled; shards apart. */
export function runSalt(s: Scenario, shard: { index: number } | undefined): number {
  const salt = s.request.salt ?? randomInt(2 ** 31);
  return shard === undefined ? salt : partSalt(salt, shard.index);
}

/** The salt of part `index` of a run (a shard or a worker): apart from every other part's. */
export function partSalt(salt: number, index: number): number {
  return (salt + Math.imul(index, 0x9e3779b1)) >>> 0;
}

/** The CA certificates a variant trusts: its `tls.ca` file (relative to the scenario file), else the embedded server's. */
export function trustedCa(
  scenarioFile: string,
  caFile: string | undefined,
  embeddedCa: string | undefined,
): string | undefined {
  if (caFile === undefined) return embeddedCa;
  try {
    return readFileSync(path.resolve(path.dirname(scenarioFile), caFile), 'utf8');
  } catch (err) {
    throw new ScenarioError(
      [{ path: 'tls.ca', message: `cannot read the CA file (${(err as Error).message})` }],
      scenarioFile,
    );
  }
}
