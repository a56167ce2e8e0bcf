import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import type * as z from 'zod';

import { formatPath } from '../shared/input-error.js';
import type { Result } from './result.js';
import { ResultSchema } from './result-schema.js';

/** A result file that cannot be used: a usage error (exit 2), not a bug. */
export class ResultFileError extends Error {}

/** The result.json a command-line argument names: the file itself, or the one in a result folder. */
export function resultPath(file: string): string {
  return existsSync(file) && statSync(file).isDirectory() ? path.join(file, 'result.json') : file;
}

/**
 * The result.json files an argument names: a result.json, a result folder, or a folder of result folders
 * (those of its children that hold a result.json, by name: where a CI job keeps one per build). A path
 * that does not exist is returned as it is, for readResult to name; a folder holding no result is refused.
 */
export function resultFiles(arg: string): string[] {
  const p = resultPath(arg);
  if (p === arg || existsSync(p)) return [p];
  const found = readdirSync(arg)
    .sort()
    .map((name) => path.join(arg, name, 'result.json'))
    .filter((f) => existsSync(f));
  if (found.length === 0) throw new ResultFileError(`${arg}: no result.json in this folder nor in any folder in it`);
  return found;
}

/** A result.json, or a result folder holding one, checked against the result schema. */
export function readResult(file: string): Result {
  const p = resultPath(file);
  let text: string;
  try {
    text = readFileSync(p, 'utf8');
  } catch (err) {
    throw new ResultFileError(`${p}: cannot read a result (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ResultFileError(`${p}: not valid JSON, damaged or cut short (${(err as Error).message})`);
  }
  const schema = (json as { schema?: unknown } | null)?.schema;
  if (schema !== 'wirebench.result/v1')
    throw new ResultFileError(`${p}: not a wirebench result (schema ${String(schema)})`);
  const checked = ResultSchema.safeParse(json, { reportInput: true });
  if (!checked.success) throw new ResultFileError(describeIssues(p, checked.error.issues));
  // The file as written, not the parsed copy: that one lacks the fields this version does not know.
  return json as Result;
}

/** Problems listed: enough to fix a hand edit, few enough that one damaged file does not flood the terminal. */
const SHOWN = 3;

function describeIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, SHOWN).map((i) => {
    const [at, message] = describeIssue(i, []);
    return `${file}: ${formatPath(at) || '(top level)'}: ${message}`;
  });
  const more = issues.length - SHOWN;
  return more > 0 ? `${lines.join('\n')} (and ${more} more)` : lines.join('\n');
}

/** The JSON type of a value, as "got …" says it. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function shown(value: unknown): string {
  const s = JSON.stringify(value) ?? 'nothing';
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

const TYPE_NAMES: Readonly<Record<string, string>> = { record: 'object', tuple: 'array', nonoptional: 'a value' };

/** What the schema wanted where `issue` is, for the kinds of issue that say. */
function expectedOf(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_NAMES[issue.expected] ?? issue.expected;
    case 'invalid_value':
      return issue.values.map((v) => JSON.stringify(v)).join(' | ');
    case 'invalid_format':
      return `a ${issue.format} string`;
    case 'invalid_union':
      return [...new Set(issue.errors.map((e) => expectedOf(e[0]) ?? e[0].message))].join(' | ');
    default:
      return undefined;
  }
}

/**
 * One issue as [path, message]. `base` is the path of an enclosing union, which its branches' issues are
 * relative to. A union of a value of the right type but wrong content (every issue of a branch lies
 * below the value) is explained by the branch with the fewest problems.
 */
function describeIssue(issue: z.core.$ZodIssue, base: readonly PropertyKey[]): [readonly PropertyKey[], string] {
  const at = [...base, ...issue.path];
  if (issue.code === 'invalid_union') {
    const inside = issue.errors.filter((e) => e.length > 0 && e.every((i) => i.path.length > 0));
    if (inside.length > 0) return describeIssue(inside.reduce((a, b) => (b.length < a.length ? b : a))[0], at);
  }
  const expected = expectedOf(issue);
  if (expected === undefined) return [at, issue.message];
  // JSON has no undefined: an undefined input is a key the file does not have.
  if (issue.input === undefined) return [at, `required field is missing (expected ${expected})`];
  const wrongType = issue.code === 'invalid_type' || issue.code === 'invalid_union';
  return [at, `expected ${expected}, got ${wrongType ? jsonType(issue.input) : shown(issue.input)}`];
}
