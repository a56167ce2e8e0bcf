/**
 * Reads a scenario file (YAML, or JSON through the same YAML 1.2 parser so it gets line numbers too),
 * substitutes `${env:…}` references and validates it. Every problem is reported with its position in
 * the file, taken from the YAML document's node ranges.
 */
import { readFileSync, statSync } from 'node:fs';

import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';

import { formatPath, ScenarioError } from '../shared/input-error.js';
import { type Env, substituteEnv } from './env.js';
import { type DataPath, zodIssueMessages } from './errors.js';
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

export function loadScenario(file: string, env: Env = process.env): LoadedScenario {
  let text: string;
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
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw new ScenarioError([{ path: '', message: `cannot read the scenario file (${(err as Error).message})` }], file);
  }
  return parseScenario(text, file, env);
}

/** `loadScenario` without the file system. */
export function parseScenario(text: string, file: string, env: Env = process.env): LoadedScenario {
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
  const substituted = substituteEnv(raw, env, (path) => scalarTypeAt(ScenarioSchema, path));
  if (substituted.problems.length > 0) {
    throw new ScenarioError(
      substituted.problems.map((p) => ({
        path: formatPath(p.path),
        ...at(offsetOf(doc, p.path, false)),
        message: p.message,
      })),
      file,
    );
  }

  const result = ScenarioSchema.safeParse(substituted.value);
  if (!result.success) {
    const issues = result.error.issues
      .flatMap((issue) => zodIssueMessages(issue, substituted.value, ScenarioSchema))
      .map((m) => ({ path: formatPath(m.path), ...at(offsetOf(doc, m.path, m.atKey)), message: m.message }));
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ScenarioError(issues, file);
  }
  const steps = sweepSteps(result.data);
  if (isIssues(steps)) {
    throw new ScenarioError(
      steps.map((i) => ({ path: i.path, ...at(offsetOf(doc, i.dataPath, false)), message: i.message })),
      file,
    );
  }
  return { file, scenario: result.data, raw };
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
