/**
 * `${env:NAME}` and `${env:NAME:-fallback}` in string values. Like the shell, the fallback applies when
 * the variable is unset or empty. A value that is exactly one reference, in a field that expects a number
 * or a boolean, is typed like a YAML scalar (`concurrency: ${env:USERS}` with USERS=8 gives 8), because a
 * variable can only ever carry text.
 */
import type { DataPath } from './errors.js';

const REFERENCE = /\$\{env:([^}]*)\}/g;
const BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export interface EnvProblem {
  path: DataPath;
  message: string;
  /** The variable is not set (rather than the reference malformed). */
  unset: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The type a field expects, when the substituted text should be converted to it. */
export type ScalarTypeAt = (path: DataPath) => 'number' | 'boolean' | undefined;

/** A deep copy of `value` with every reference replaced; problems are collected, not thrown. */
export function substituteEnv(
  value: unknown,
  env: Env,
  scalarTypeAt: ScalarTypeAt,
): { value: unknown; problems: EnvProblem[] } {
  const problems: EnvProblem[] = [];

  const visit = (node: unknown, path: DataPath): unknown => {
    if (typeof node === 'string') return substituteString(node, path);
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...path, i]));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, [...path, k])]));
    }
    return node;
  };

  const substituteString = (text: string, path: DataPath): unknown => {
    let whole = false;
    const out = text.replace(REFERENCE, (match, body: string) => {
      whole = match === text;
      const parsed = BODY.exec(body);
      if (!parsed) {
        problems.push({
          path,
          message: `malformed reference ${match}; expected \${env:NAME} or \${env:NAME:-fallback}`,
          unset: false,
        });
        return match;
      }
      const [, name, fallback] = parsed;
      const set = env[name];
      if (set !== undefined && (set !== '' || fallback === undefined)) return set;
      if (fallback !== undefined) return fallback;
      problems.push({ path, message: `environment variable ${name} is not set`, unset: true });
      return match;
    });
    return whole ? typed(out, scalarTypeAt(path)) : out;
  };

  return { value: visit(value, []), problems };
}

function typed(text: string, type: 'number' | 'boolean' | undefined): unknown {
  if (type === 'number' && NUMBER.test(text)) return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}
