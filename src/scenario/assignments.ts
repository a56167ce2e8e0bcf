/**
 * Scenario fields set from outside the file — `WIREBENCH_…` variables, `--set PATH=VALUE`, the flags of
 * a run without a file — as assignments applied to the document before it is validated, so a value gets
 * exactly the checks it would get in the file, and a problem with it names where it came from.
 */
import { parse } from 'yaml';

import { ScenarioError, type ScenarioIssue } from '../shared/input-error.js';
import type { Env } from './env.js';
import { type DataPath, valueAt } from './errors.js';
import { ENV_PREFIX, envFieldPath, parseFieldPath, setAt, unknownFieldMessage } from './field-path.js';
import { redactScenario } from './redact.js';
import { ScenarioSchema } from './schema.js';

export interface Assignment {
  /** Where it came from, as messages name it: `--set load.rate`, `WIREBENCH_LOAD__RATE`. */
  source: string;
  path: DataPath;
  value: unknown;
}

/** One `--set PATH=VALUE`: VALUE is read as YAML (`20`, `true`, `[a, b]`, `{kind: open, rate: 5}`). */
export function parseSet(arg: string): Assignment | ScenarioIssue {
  const eq = arg.indexOf('=');
  if (eq < 0) return { path: `--set ${arg}`, message: 'expected PATH=VALUE, e.g. --set load.rate=20' };
  const text = arg.slice(0, eq);
  const source = `--set ${text}`;
  const path = parseFieldPath(text);
  if (typeof path === 'string') return { path: '--set', message: path };
  return assignment(source, path, arg.slice(eq + 1));
}

/** The `WIREBENCH_…` variables of `env`, in name order (a path set twice: the longer name is applied last). */
export function envAssignments(env: Env): (Assignment | ScenarioIssue)[] {
  return Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && env[name] !== undefined)
    .sort()
    .map((name) => {
      const path = envFieldPath(name);
      if (typeof path === 'string') return { path: name, message: path };
      return assignment(name, path, env[name] ?? '');
    });
}

/** The `WIREBENCH_…` variables, then the `--set` flags (so these win); all their problems at once. */
export function outsideAssignments(env: Env, sets: readonly string[]): Assignment[] {
  const all = [...envAssignments(env), ...sets.map(parseSet)];
  const problems = all.filter((a): a is ScenarioIssue => !('source' in a));
  if (problems.length > 0) throw new ScenarioError(problems);
  return all as Assignment[];
}

function assignment(source: string, path: DataPath, text: string): Assignment | ScenarioIssue {
  const unknown = unknownFieldMessage(ScenarioSchema, path);
  if (unknown !== undefined) return { path: source, message: unknown };
  try {
    // An empty value is an empty string, not YAML's null: `--set request.prompt=` means "".
    return { source, path, value: text === '' ? '' : (parse(text) as unknown) };
  } catch (err) {
    return { path: source, message: `cannot read the value as YAML: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** `document` with every assignment applied in order (later ones win), and what stood in their way. */
export function applyAssignments(
  document: unknown,
  assignments: readonly Assignment[],
): { value: unknown; issues: ScenarioIssue[] } {
  if (assignments.length === 0) return { value: document, issues: [] };
  const value = structuredClone(document ?? {});
  const issues: ScenarioIssue[] = [];
  for (const a of assignments) {
    const problem =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? setAt(value as Record<string, unknown>, a.path, structuredClone(a.value))
        : 'the scenario file is not a mapping';
    if (problem !== undefined) issues.push({ path: a.source, message: problem });
  }
  return { value, issues };
}

/**
 * The assignment a problem at `path` belongs to: the last one that set `path`, a field around it or a
 * field inside it, or that made the mapping or list entry it sits in (`variants[1]` from
 * `--set variants[1].protocol=…` lacks a connection). None: the problem is the document's own.
 */
export function blame(path: DataPath, assignments: readonly Assignment[], document: unknown): Assignment | undefined {
  let depth = 0;
  while (depth < path.length && valueAt(document, path.slice(0, depth + 1)) !== undefined) depth++;
  const made = path.slice(0, depth + 1);
  const related = (a: Assignment): boolean =>
    startsWith(a.path, path) || startsWith(path, a.path) || startsWith(a.path, made);
  return [...assignments].reverse().find(related);
}

export function startsWith(path: DataPath, prefix: DataPath): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => String(k) === String(path[i]));
}

/**
 * The assignments as result.json records them, `{ "--set load.rate": 20, "WIREBENCH_…": … }`, with
 * secrets redacted as in the file: a header value set from outside is no less secret.
 */
export function recordAssignments(
  assignments: readonly Assignment[],
  redact: readonly string[],
): Record<string, unknown> {
  return Object.fromEntries(
    assignments.map((a) => {
      // Redaction recognizes header maps by their key, so the value is seen at its place in a document.
      const keys = a.path.map(String);
      const nested = keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), a.value);
      return [a.source, valueAt(redactScenario(nested, redact), keys)];
    }),
  );
}
