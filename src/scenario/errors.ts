/**
 * Scenario errors: every problem is reported as `file:line:col path: expected …, got …` so that a user can
 * jump straight to the offending spot, and all problems of a file are reported at once.
 */
import type * as z from 'zod';

import { keysAt } from './zod-path.js';

export type DataPath = readonly PropertyKey[];

import { describeValue, formatPath } from '../shared/input-error.js';

export function valueAt(root: unknown, path: DataPath): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

function bound(origin: string, limit: number | bigint, inclusive: boolean | undefined, below: boolean): string {
  const n = Number(limit);
  if (origin === 'array') return below ? `at least ${n} ${n === 1 ? 'entry' : 'entries'}` : `at most ${n} entries`;
  if (origin === 'string')
    return below ? (n === 1 ? 'a non-empty string' : `at least ${n} characters`) : `at most ${n} characters`;
  return `a number ${below ? '>' : '<'}${inclusive ? '=' : ''} ${n}`;
}

/** What the schema expected, for the issues that have a structured expectation. */
function expectation(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_NAMES[issue.expected] ?? issue.expected;
    case 'invalid_value':
      return issue.values.length === 1
        ? JSON.stringify(issue.values[0])
        : `one of ${issue.values.map(String).join(' | ')}`;
    case 'invalid_union':
      return issue.discriminator !== undefined && 'options' in issue && issue.options
        ? `one of ${issue.options.map(String).join(' | ')}`
        : undefined;
    case 'too_small':
      return bound(issue.origin, issue.minimum, issue.inclusive, true);
    case 'too_big':
      return bound(issue.origin, issue.maximum, issue.inclusive, false);
    case 'not_multiple_of':
      return `a multiple of ${issue.divisor}`;
    default:
      return undefined;
  }
}

export interface LocatedMessage {
  path: DataPath;
  message: string;
  /** The problem is the key itself (unknown key), not its value. */
  atKey: boolean;
}

/** Turns one zod issue into messages, reading the offending value from `input` (what was validated). */
export function zodIssueMessages(issue: z.core.$ZodIssue, input: unknown, schema: z.ZodType): LocatedMessage[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const allowed = keysAt(schema, path).filter((k) => k !== '$schema');
    return issue.keys.map((key) => {
      // A key of another form of a union (`rate` under a closed load): a spelling hint would name it back.
      if (allowed.includes(key)) {
        const where = path.length > 0 ? formatPath(path) : 'the scenario';
        return {
          path: [...path, key],
          message: `unknown key for this form of ${where}; other forms have it`,
          atKey: true,
        };
      }
      const guess = closest(key, allowed);
      const hint = guess !== undefined ? `did you mean "${guess}"?` : `expected one of ${allowed.join(' | ')}`;
      return { path: [...path, key], message: `unknown key; ${hint}`, atKey: true };
    });
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0];
    return [{ path, message: `${inner?.message ?? 'invalid key'}, got ${describeValue(path.at(-1))}`, atKey: true }];
  }
  const value = valueAt(input, path);
  const expected = expectation(issue);
  if (expected === undefined) {
    // Custom messages are written complete; format errors carry the schema's "expected …" text.
    const got = issue.code === 'invalid_format' ? `, got ${describeValue(value)}` : '';
    return [{ path, message: `${issue.message}${got}`, atKey: false }];
  }
  const parent = valueAt(input, path.slice(0, -1));
  const missing =
    value === undefined && typeof parent === 'object' && parent !== null && !(String(path.at(-1)) in parent);
  return [
    {
      path,
      message: missing
        ? `required field is missing; expected ${expected}`
        : `expected ${expected}, got ${describeValue(value)}`,
      atKey: false,
    },
  ];
}

/** The allowed key a typo most likely meant: a small edit distance, or a truncation (`ttft` → `ttft_ms`). */
function closest(key: string, allowed: readonly string[]): string | undefined {
  const typed = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const c = candidate.toLowerCase();
    const truncated = typed.length >= 3 && (c.startsWith(typed) || typed.startsWith(c));
    const d = truncated ? 1 : editDistance(typed, c);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
