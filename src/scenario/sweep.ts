/**
 * Sweeps: one scenario, run once per value of one parameter. Each step is the scenario with the value
 * set at `param` and validated again by the file's own schema, so a swept value gets exactly the checks
 * (and defaults) the same value written in the file would get.
 */
import { describeValue, formatPath, type ScenarioIssue } from '../shared/input-error.js';
import { type DataPath, zodIssueMessages } from './errors.js';
import { type Scenario, ScenarioSchema } from './schema.js';

export type SweepValue = number | string | boolean;

export interface SweepStep {
  value: SweepValue;
  scenario: Scenario;
}

/** Where a step's problems are reported: the value in the file that made it. */
export type SweepIssue = ScenarioIssue & { dataPath: DataPath };

function setPath(root: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/**
 * The steps of a sweep, in the order of its values; a scenario without one is its own single step.
 * Returns the problems instead when any value does not make a valid scenario.
 */
export function sweepSteps(scenario: Scenario): SweepStep[] | SweepIssue[] {
  const sweep = scenario.sweep;
  if (sweep === undefined) return [{ value: '', scenario }];
  const keys = sweep.param.split('.');
  const steps: SweepStep[] = [];
  const issues: SweepIssue[] = [];
  sweep.values.forEach((value, i) => {
    const input: Record<string, unknown> = structuredClone({ ...scenario, sweep: undefined });
    // The parsed scenario keeps the other of two exclusive fields as undefined; setting one must clear it.
    if (sweep.param === 'request.prompt') setPath(input, ['request', 'prompt_tokens'], undefined);
    if (sweep.param === 'request.prompt_tokens') setPath(input, ['request', 'prompt'], undefined);
    setPath(input, keys, value);
    const parsed = ScenarioSchema.safeParse(input);
    if (parsed.success) {
      steps.push({ value, scenario: parsed.data });
      return;
    }
    const dataPath = ['sweep', 'values', i];
    for (const issue of parsed.error.issues) {
      for (const m of zodIssueMessages(issue, input, ScenarioSchema)) {
        issues.push({
          path: formatPath(dataPath),
          dataPath,
          message: `${sweep.param} = ${describeValue(value)} makes an invalid scenario: ${formatPath(m.path)}: ${m.message}`,
        });
      }
    }
  });
  return issues.length > 0 ? issues : steps;
}

export function isIssues(x: SweepStep[] | SweepIssue[]): x is SweepIssue[] {
  return x.length > 0 && 'message' in x[0];
}
