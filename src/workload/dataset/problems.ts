/**
 * The problems of one dataset file, reported together as one ScenarioError naming the file: the first
 * MAX_PROBLEMS of them, since a broken file of a million lines would otherwise print a million.
 */
import { ScenarioError, type ScenarioIssue } from '../../shared/input-error.js';
import type { RecordIssue } from './fields.js';

const MAX_PROBLEMS = 10;

export class Problems {
  readonly issues: ScenarioIssue[] = [];

  constructor(readonly file: string) {}

  add(issue: ScenarioIssue): void {
    if (this.issues.length === MAX_PROBLEMS) {
      this.issues.push({ path: '', message: `stopped after the first ${MAX_PROBLEMS} problems` });
      throw new ScenarioError(this.issues, this.file);
    }
    this.issues.push(issue);
  }

  /**
   * A record's issues at its line. `text` is the record (a ShareGPT element may span lines: an issue inside
   * it gets the line it is on); `startsLine` says whether the record starts its line, so a column is exact.
   */
  addRecord(issues: readonly RecordIssue[], text: string, line: number, startsLine: boolean): void {
    for (const { path, message, at } of issues) this.add({ path, message, ...placeAt(text, at, line, startsLine) });
  }

  /** A problem after which the file cannot be read on (its structure is broken). */
  fail(issue: ScenarioIssue): never {
    this.issues.push(issue);
    throw new ScenarioError(this.issues, this.file);
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new ScenarioError(this.issues, this.file);
  }
}

function placeAt(
  text: string,
  at: number | undefined,
  line: number,
  startsLine: boolean,
): { line: number; column?: number } {
  if (at === undefined) return { line };
  let lines = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) {
    lines++;
    lineStart = i + 1;
  }
  return lines > 0 || startsLine ? { line: line + lines, column: at - lineStart + 1 } : { line };
}

/** The file could not be opened or read: one problem naming the system's reason. */
export function unreadable(file: string, err: unknown): ScenarioError {
  return new ScenarioError([{ path: '', message: `cannot read the dataset (${(err as Error).message})` }], file);
}

/** Errors from the file system (they carry a `code`), as opposed to bugs. */
export const isFsError = (err: unknown): boolean =>
  err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && 'syscall' in err;
