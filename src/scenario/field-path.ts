/**
 * Scenario field paths as users write them outside the file: `--set` takes the syntax error messages
 * print (`load.rate`, `variants[0].connection`, `headers["x-api-key"]`), and `WIREBENCH_` variables
 * spell the same path in capitals with `__` between the parts (`WIREBENCH_VARIANTS__0__CONNECTION`),
 * since one `_` already sits inside field names such as `max_output_tokens`.
 */
import type * as z from 'zod';

import { formatPath } from '../shared/input-error.js';
import type { DataPath } from './errors.js';
import { keysAt, schemasAt } from './zod-path.js';

export const ENV_PREFIX = 'WIREBENCH_';

/** One part of a path: `.key` (no dot first), `[0]` or `["any key"]` (a JSON string). */
const PART = /^(?:(\.?)([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;

/** `load.rate` → ['load', 'rate']; a string is what is wrong with the text. */
export function parseFieldPath(text: string): DataPath | string {
  const path: PropertyKey[] = [];
  for (let rest = text; rest !== '';) {
    const m = PART.exec(rest);
    const first = path.length === 0;
    if (!m || (m[2] !== undefined && (m[1] === '.') === first) || (m[2] === undefined && first)) {
      return `expected a field path such as load.rate, variants[0].connection or headers["x-api-key"], got "${text}"`;
    }
    path.push(m[2] ?? (m[3] !== undefined ? Number(m[3]) : (JSON.parse(m[4]) as string)));
    rest = rest.slice(m[0].length);
  }
  return path.length > 0 ? path : 'expected a field path such as load.rate, got nothing';
}

/** `WIREBENCH_LOAD__RATE` → ['load', 'rate'] (parts lower-cased; all digits: a list index). */
export function envFieldPath(name: string): DataPath | string {
  const parts = name.slice(ENV_PREFIX.length).split('__');
  if (parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) {
    return `expected ${ENV_PREFIX}<FIELD>__<FIELD>…, e.g. ${ENV_PREFIX}LOAD__RATE for load.rate`;
  }
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p.toLowerCase()));
}

/** What is wrong with `path` as a place in `schema`, or undefined when some form of the schema has it. */
export function unknownFieldMessage(schema: z.ZodType, path: DataPath): string | undefined {
  for (let depth = 1; depth <= path.length; depth++) {
    const here = schemasAt(schema, path.slice(0, depth));
    // Free-form values (request.body's) take any shape below them.
    if (here.some((n) => n._zod.def.type === 'unknown')) return undefined;
    if (here.length > 0) continue;
    const parent = path.slice(0, depth - 1);
    const key = path[depth - 1];
    if (typeof key === 'number') return `${label(parent)} is not a list`;
    const keys = keysAt(schema, parent).filter((k) => k !== '$schema');
    return keys.length > 0
      ? `unknown field "${String(key)}" in ${label(parent)}; expected one of ${keys.join(' | ')}`
      : `${label(parent)} has no fields`;
  }
  return undefined;
}

function label(path: DataPath): string {
  return path.length === 0 ? 'the scenario' : formatPath(path);
}

/**
 * Writes `value` at `path` in the plain document `root`, making the mappings on the way; a list may
 * grow by one entry at a time. Returns what stood in the way, if anything.
 */
export function setAt(root: Record<string, unknown>, path: DataPath, value: unknown): string | undefined {
  let node: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    const last = i === path.length - 1;
    if (typeof key === 'number') {
      if (!Array.isArray(node)) return `${label(path.slice(0, i))} is not a list here`;
      if (key > node.length) return `${label(path.slice(0, i))} has ${node.length} entries; [${key}] would leave a gap`;
    } else if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      return `${label(path.slice(0, i))} is not a mapping here`;
    }
    const container = node as Record<PropertyKey, unknown>;
    if (last) container[key] = value;
    else {
      const next = container[key];
      if (next === undefined || next === null) container[key] = typeof path[i + 1] === 'number' ? [] : {};
      node = container[key];
    }
  }
  return undefined;
}
