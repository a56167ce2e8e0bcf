/**
 * The scenario a `run` starts from: a file, or for a one-off run the flags alone (`--target`,
 * `--protocol`, `--connection`, `--model`, the schema's defaults for the rest); either way with the
 * `WIREBENCH_…` variables and then the `--set` flags applied over it.
 */
import { type Assignment, outsideAssignments } from '../scenario/assignments.js';
import type { Env } from '../scenario/env.js';
import { assembleScenario, type LoadedScenario, loadScenario } from '../scenario/load.js';
import { ScenarioError } from '../shared/input-error.js';

/** What a one-off run is called (results/<timestamp>-one-off/) unless `--set name=…`. */
const ONE_OFF_NAME = 'one-off';
/** Relative paths of a one-off run (a dataset) resolve from the working folder, as a file's do from its folder. */
const COMMAND_LINE = 'command-line';

export interface InputFlags {
  set?: string[];
  target?: string;
  protocol?: string[];
  connection?: string[];
  model?: string;
}

/** The flags that build a one-off run's document, in place of a file. */
const ONE_OFF_FLAGS = ['protocol', 'connection', 'model'] as const;

/** The scenario, and the `WIREBENCH_…` and `--set` fields applied to it (result.json records them). */
export function scenarioInput(
  file: string | undefined,
  flags: InputFlags,
  env: Env,
): { loaded: LoadedScenario; set: Assignment[] } {
  const assignments = outsideAssignments(env, flags.set ?? []);

  if (file !== undefined) {
    const given = ONE_OFF_FLAGS.filter((k) => flags[k] !== undefined);
    if (given.length > 0) {
      throw new ScenarioError([
        { path: `--${given[0]}`, message: 'applies to a run without a scenario file; with a file, use --set' },
      ]);
    }
    return { loaded: loadScenario(file, env, { assignments }), set: assignments };
  }
  if (flags.target === undefined) {
    throw new ScenarioError([
      {
        path: '',
        message: 'run needs a scenario file, or --target URL (with --protocol and --connection) for a one-off run',
      },
    ]);
  }
  for (const k of ['protocol', 'connection'] as const) {
    if (flags[k] === undefined) {
      throw new ScenarioError([{ path: `--${k}`, message: 'is needed for a run without a scenario file' }]);
    }
  }
  const loaded = assembleScenario(COMMAND_LINE, { name: ONE_OFF_NAME }, env, {
    assignments: [...oneOffAssignments(flags), ...assignments],
  });
  return { loaded, set: assignments };
}

/** A variant per protocol × connection, named by its connection (by both when there are several protocols). */
function oneOffAssignments(flags: InputFlags): Assignment[] {
  const protocols = flags.protocol ?? [];
  const connections = flags.connection ?? [];
  const out: Assignment[] = [{ source: '--target', path: ['target'], value: flags.target }];
  if (flags.model !== undefined) out.push({ source: '--model', path: ['request', 'model'], value: flags.model });
  const variants = protocols.flatMap((protocol) => connections.map((connection) => ({ protocol, connection })));
  variants.forEach(({ protocol, connection }, i) => {
    out.push({ source: '--protocol', path: ['variants', i, 'protocol'], value: protocol });
    out.push({ source: '--connection', path: ['variants', i, 'connection'], value: connection });
    if (protocols.length > 1) {
      out.push({ source: '--protocol', path: ['variants', i, 'name'], value: `${protocol}-${connection}` });
    }
  });
  return out;
}
