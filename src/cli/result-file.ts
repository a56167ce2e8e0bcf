import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Result } from '../report/result.js';

/** A result file that cannot be used: a usage error (exit 2), not a bug. */
export class ResultFileError extends Error {}

/** A result.json, or a result folder holding one. */
export function readResult(file: string): Result {
  const p = existsSync(file) && statSync(file).isDirectory() ? path.join(file, 'result.json') : file;
  let r: Result;
  try {
    r = JSON.parse(readFileSync(p, 'utf8')) as Result;
  } catch (err) {
    throw new ResultFileError(`${p}: cannot read a result (${(err as Error).message})`);
  }
  if (r?.schema !== 'wirebench.result/v1') throw new ResultFileError(`${p}: not a wirebench result (schema ${String(r?.schema)})`);
  return r;
}
