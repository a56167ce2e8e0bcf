import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Result } from './result.js';

/** A result file that cannot be used: a usage error (exit 2), not a bug. */
export class ResultFileError extends Error {}

/** The result.json a command-line argument names: the file itself, or the one in a result folder. */
export function resultPath(file: string): string {
  return existsSync(file) && statSync(file).isDirectory() ? path.join(file, 'result.json') : file;
}

/** A result.json, or a result folder holding one. */
export function readResult(file: string): Result {
  const p = resultPath(file);
  let r: Result;
  try {
    r = JSON.parse(readFileSync(p, 'utf8')) as Result;
  } catch (err) {
    throw new ResultFileError(`${p}: cannot read a result (${(err as Error).message})`);
  }
  if (r?.schema !== 'wirebench.result/v1') throw new ResultFileError(`${p}: not a wirebench result (schema ${String(r?.schema)})`);
  return r;
}
