/**
 * Command-line flags that override the scenario file. The result is validated again with the file's
 * schema, so a flag gets exactly the checks (and defaults) the same value would get in the file.
 */
import { describeValue, formatPath, ScenarioError } from '../shared/input-error.js';
import { zodIssueMessages } from './errors.js';
import type { LoadedScenario } from './load.js';
import { displayTarget } from './redact.js';
import { type Scenario, ScenarioSchema } from './schema.js';
import { type Shard, shardLoad } from './shard.js';

export interface Overrides {
  /** A base URL (drops the file's `server` block) or "embedded". */
  target?: string;
  requests?: number;
  duration?: number;
  concurrency?: number;
  /** Run only this part of the load (`--shard i/n`). */
  shard?: Shard;
  /** Worker threads (`--workers`). */
  workers?: number;
  /** Other tools' metric definitions to compute too (`--definitions`). */
  definitions?: string[];
}

const FLAGS: Record<string, string> = {
  target: '--target',
  'load.requests': '--requests',
  'load.sessions': '--requests',
  'load.duration': '--duration',
  'load.concurrency': '--concurrency',
  workers: '--workers',
  definitions: '--definitions',
};

/** The overrides as a result records them (so it says what actually ran): the target without its secrets. */
export function recordedOverrides(overrides: Overrides): Record<string, unknown> {
  return Object.fromEntries(
    (['target', 'requests', 'duration', 'concurrency', 'shard', 'workers', 'definitions'] as const)
      .filter((k) => overrides[k] !== undefined)
      .map((k) => [k, k === 'target' ? displayTarget(String(overrides.target)) : overrides[k]]),
  );
}

export function applyOverrides(loaded: LoadedScenario, overrides: Overrides): Scenario {
  const { target, requests, duration, concurrency } = overrides;
  if (requests !== undefined && duration !== undefined) {
    throw new ScenarioError([
      { path: '--duration', message: `cannot be combined with --requests (got --requests ${describeValue(requests)})` },
    ]);
  }
  // The parsed scenario is itself valid input: re-parsing it only re-applies the overridden fields' rules.
  const input: Record<string, unknown> = structuredClone(loaded.scenario);
  if (overrides.workers !== undefined) input.workers = overrides.workers;
  if (overrides.definitions !== undefined) input.definitions = overrides.definitions;
  if (target !== undefined) {
    input.target = target;
    if (target !== 'embedded') input.server = undefined;
  }
  const load: Record<string, unknown> = { ...loaded.scenario.load };
  // A session load counts sessions: --requests sets how many.
  const count = load.kind === 'session' ? 'sessions' : 'requests';
  if (requests !== undefined) Object.assign(load, { [count]: requests, duration: undefined });
  if (duration !== undefined) Object.assign(load, { [count]: undefined, duration });
  if (concurrency !== undefined) load.concurrency = concurrency;
  // Split last, so a shard takes its part of what the other flags set.
  let shardedLoad: Record<string, unknown> = load;
  if (overrides.shard !== undefined) {
    const split = shardLoad(load, overrides.shard);
    if (Array.isArray(split)) throw new ScenarioError(split);
    shardedLoad = split;
  }

  const validated = { ...input, load: shardedLoad };
  const result = ScenarioSchema.safeParse(validated);
  if (result.success) return result.data;
  // Only the overridden fields changed, so every issue belongs to a flag.
  throw new ScenarioError(
    result.error.issues
      .flatMap((issue) => zodIssueMessages(issue, validated, ScenarioSchema))
      .map((m) => {
        const path = formatPath(m.path);
        // A list flag's item (definitions[1]) is the flag's value too.
        return { path: FLAGS[path] ?? FLAGS[path.replace(/\[\d+\]$/, '')] ?? path, message: m.message };
      }),
  );
}
