/**
 * Reads a scenario file (YAML, or JSON through the same YAML 1.2 parser so it gets line numbers too),
 * applies the fields set from outside it (`--set`, `WIREBENCH_…`), substitutes `${env:…}` references and
 * validates it. Every problem of the file is reported with its position, taken from the YAML document's
 * node ranges; one of a field set from outside names where it was set.
 */
import { readFileSync, statSync } from 'node:fs';

import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';

import { formatPath, ScenarioError, type ScenarioIssue } from '../shared/input-error.js';
import { applyAssignments, type Assignment, blame, startsWith } from './assignments.js';
import { type Env, substituteEnv } from './env.js';
import { type DataPath, type LocatedMessage, zodIssueMessages } from './errors.js';
import { type Scenario, ScenarioSchema } from './schema.js';
import { isIssues, sweepSteps } from './sweep.js';
import { scalarTypeAt } from './zod-path.js';

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
  /** The document as written, before `${env:…}` substitution: safe to record, it never holds a secret from the environment. */
  raw: unknown;
}

/** A scenario is a page of settings; anything bigger is a mistake (data belongs in a dataset file), and validating 50 MB took 13 s. */
const MAX_SCENARIO_BYTES = 1 << 20;

export interface LoadOptions {
  /** Fields set from outside the file (`WIREBENCH_…`, `--set`), applied in order over it. */
  assignments?: readonly Assignment[];
}

export function loadScenario(file: string, env: Env = process.env, options: LoadOptions = {}): LoadedScenario {
  return parseScenario(readScenarioFile(file), file, env, options);
}

/**
 * `validate --no-env`: every check a scenario can pass before its secrets exist. The environment is not
 * read; references without a fallback stay unresolved and the fields holding one go unchecked (`unchecked`).
 * The scenario, when it parsed all the same.
 */
export function checkScenario(file: string): { scenario: Scenario | undefined; unchecked: DataPath[] } {
  const { raw, at } = readDocument(readScenarioFile(file), file);
  return validate(raw, {}, {}, { file, at }, true);
}

function readScenarioFile(file: string): string {
  try {
    const size = statSync(file).size;
    if (size > MAX_SCENARIO_BYTES) {
      throw new ScenarioError(
        [
          {
            path: '',
            message: `the file is ${size} bytes; a scenario is at most 1 MiB (records belong in a dataset file)`,
          },
        ],
        file,
      );
    }
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw new ScenarioError([{ path: '', message: `cannot read the scenario file (${(err as Error).message})` }], file);
  }
}

/** `loadScenario` without the file system. */
export function parseScenario(
  text: string,
  file: string,
  env: Env = process.env,
  options: LoadOptions = {},
): LoadedScenario {
  const { raw, at } = readDocument(text, file);
  return { file, scenario: resolved(validate(raw, env, options, { file, at }, false)), raw };
}

/** The YAML document as plain data, and where a data path sits in the text. */
function readDocument(text: string, file: string): { raw: unknown; at: Locate } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number): { line: number; column: number } => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    throw new ScenarioError(
      doc.errors.map((e) => ({ path: '', ...at(e.pos[0]), message: e.message })),
      file,
    );
  }

  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // The yaml library refuses documents whose aliases expand without bound (a "billion laughs").
    throw new ScenarioError([{ path: '', message: `cannot read the YAML: ${(err as Error).message}` }], file);
  }
  return { raw, at: (path, atKey) => at(offsetOf(doc, path, atKey)) };
}

/**
 * A scenario made of assignments alone (a run without a file, `base` holding what the flags fill in).
 * `file` stands for the command line: relative paths in it (a dataset) resolve from the working folder.
 */
export function assembleScenario(
  file: string,
  base: Record<string, unknown>,
  env: Env,
  options: LoadOptions,
): LoadedScenario {
  const scenario = resolved(validate(base, env, options, undefined, false));
  // What the flags and assignments wrote is this run's document: recorded (redacted) like a file's.
  return { file, scenario, raw: applyAssignments(base, options.assignments ?? []).value };
}

type Locate = (path: DataPath, atKey: boolean) => { line: number; column: number };

/**
 * Assignments, then `${env:…}` substitution, then the schema and the sweep; every problem placed. With
 * `unresolvedEnv`, an unset variable is no problem: the fields holding one are left unchecked, and the
 * scenario is undefined when they were the only ones that did not parse.
 */
function validate(
  raw: unknown,
  env: Env,
  options: LoadOptions,
  source: { file: string; at: Locate } | undefined,
  unresolvedEnv: boolean,
): { scenario: Scenario | undefined; unchecked: DataPath[] } {
  const assignments = options.assignments ?? [];
  const applied = applyAssignments(raw, assignments);
  if (applied.issues.length > 0) throw new ScenarioError(applied.issues);

  const substituted = substituteEnv(applied.value, env, (path) => scalarTypeAt(ScenarioSchema, path));
  const unresolved = unresolvedEnv ? substituted.problems.filter((p) => p.unset).map((p) => p.path) : [];
  const checked = (messages: readonly LocatedMessage[]): LocatedMessage[] =>
    messages.filter((m) => !unresolved.some((u) => startsWith(m.path, u)));
  const envProblems = checked(substituted.problems.map((p) => ({ ...p, atKey: false })));
  if (envProblems.length > 0) throw placed(envProblems, raw, assignments, source);

  const result = ScenarioSchema.safeParse(substituted.value);
  if (!result.success) {
    const messages = checked(
      result.error.issues.flatMap((issue) => zodIssueMessages(issue, substituted.value, ScenarioSchema)),
    );
    if (messages.length > 0) throw placed(messages, raw, assignments, source);
    return { scenario: undefined, unchecked: unresolved };
  }
  const steps = sweepSteps(result.data);
  if (isIssues(steps)) {
    throw placed(
      steps.map((i) => ({ path: i.dataPath, message: i.message, atKey: false })),
      raw,
      assignments,
      source,
    );
  }
  return { scenario: result.data, unchecked: unresolved };
}

/** The scenario of a validation that resolved every reference (so it parsed or threw). */
function resolved(checked: { scenario: Scenario | undefined }): Scenario {
  if (checked.scenario === undefined) throw new Error('a resolved scenario always parses or throws');
  return checked.scenario;
}

/**
 * One error for the problems: those of an assignment name it (`--set load.rate: …`) and come alone, as
 * the likely cause; the file's carry file:line:col.
 */
function placed(
  messages: readonly LocatedMessage[],
  document: unknown,
  assignments: readonly Assignment[],
  source: { file: string; at: Locate } | undefined,
): ScenarioError {
  const outside: ScenarioIssue[] = [];
  const inside: (ScenarioIssue & { line: number; column: number })[] = [];
  const loose: ScenarioIssue[] = [];
  for (const m of messages) {
    const a = blame(m.path, assignments, document);
    const path = formatPath(m.path);
    if (a !== undefined) {
      const exact = m.path.length === a.path.length && startsWith(m.path, a.path);
      outside.push({ path: a.source, message: exact ? m.message : `${path}: ${m.message}` });
    } else if (source !== undefined) inside.push({ path, ...source.at(m.path, m.atKey), message: m.message });
    else loose.push({ path, message: m.message });
  }
  // A flag that made several variants makes the same mistake in each: say it once.
  const once = [...new Map(outside.map((i) => [`${i.path}\0${i.message}`, i])).values()];
  if (once.length > 0) return new ScenarioError(once);
  if (source === undefined) return new ScenarioError(loose);
  inside.sort((a, b) => a.line - b.line || a.column - b.column);
  return new ScenarioError(inside, source.file);
}

/**
 * Where the node at `path` starts: its key when `atKey`, else its value; for a path that does not exist
 * (a missing required key), the nearest enclosing node that does.
 */
function offsetOf(doc: Document, path: DataPath, atKey: boolean): number {
  if (atKey && path.length > 0) {
    const parent = doc.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path.at(-1)));
      if (isNode(pair?.key) && pair.key.range) return pair.key.range[0];
    }
  }
  for (let depth = path.length; depth > 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return isNode(doc.contents) && doc.contents.range ? doc.contents.range[0] : 0;
}
