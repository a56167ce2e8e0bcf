/**
 * Errors in what a user gave wirebench — a scenario, a flag, a dataset: every problem reported as
 * `file:line:col path: expected …, got …` so that a user can jump straight to the offending spot, all
 * problems of a file at once. The CLI prints the message and exits 2. Here, below every folder that
 * reads user input, so that each can raise it.
 */

export interface ScenarioIssue {
  /** Field path as written in messages, e.g. `variants[1].connection` or a CLI flag such as `--concurrency`. */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';

  /** `file` is omitted for problems that do not come from the file (command-line flags). */
  constructor(
    readonly issues: ScenarioIssue[],
    readonly file?: string,
  ) {
    super(issues.map((i) => formatIssue(i, file)).join('\n'));
  }
}

function formatIssue(issue: ScenarioIssue, file: string | undefined): string {
  const where =
    issue.line !== undefined
      ? `${file ?? ''}:${issue.line}:${issue.column ?? 1}`
      : file !== undefined
        ? `${file}:`
        : '';
  const field = issue.path === '' ? '' : `${issue.path}: `;
  return [where, `${field}${issue.message}`].filter((s) => s !== '').join(' ');
}

/** A data path as messages write it: `variants[1].connection`, `errors["read timeout"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(key))) out += out === '' ? String(key) : `.${String(key)}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** A short rendering of a value for "got …". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only primitives are left: String() is their text
  return String(value);
}
