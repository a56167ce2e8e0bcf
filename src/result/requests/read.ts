import { createReadStream } from 'node:fs';

import type { RequestLine } from './line.js';

const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** What makes a parsed line unusable, checked by hand: a schema library would cost more than the parse. */
function problem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'not an object';
  const l = x as Record<string, unknown>;
  if (typeof l.variant !== 'string') return 'no variant name';
  if (l.step !== undefined && !(Number.isInteger(l.step) && (l.step as number) >= 0))
    return 'step is not a step number';
  for (const k of ['warmup', 'ok']) if (typeof l[k] !== 'boolean') return `${k} is not true or false`;
  for (const k of ['intended_ms', 'start_ms', 'deltas', 'output_tokens'])
    if (!finite(l[k])) return `${k} is not a number`;
  if (l.reasoning_tokens !== undefined && !finite(l.reasoning_tokens)) return 'reasoning_tokens is not a number';
  if (typeof l.phases !== 'object' || l.phases === null || !Object.values(l.phases).every(finite))
    return 'phases are not all numbers';
  if (l.token_ms !== undefined && !Array.isArray(l.token_ms)) return 'token_ms is not a list';
  return undefined;
}

/** A requests.jsonl line, or what makes it unusable. */
function parse(text: string): RequestLine | string {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  return problem(x) ?? (x as RequestLine);
}

export interface ReadOptions {
  /** Skip lines that are not request lines wherever they are (a picture can do without them), rather than throw. */
  skipDamaged?: boolean;
  /** Told (`file:line`) of an unterminated last line that is not a request line: skipped, it is what a killed run leaves. */
  onCut?: (where: string) => void;
}

/**
 * The request lines of `file` (a result's requests.jsonl, possibly millions of lines), streamed; blank
 * lines are passed over. A line that is not a request line throws, naming file and line: a file damaged
 * or edited mid-way is a surprise to stop on rather than to average over silently. Only an unterminated
 * last line is always tolerated — the recorder ends every line it finishes.
 */
export async function* readRequestLines(file: string, options: ReadOptions = {}): AsyncGenerator<RequestLine> {
  let lineNo = 0;
  let rest = '';
  const take = (text: string, last: boolean): RequestLine | undefined => {
    lineNo++;
    if (text.trim() === '') return undefined;
    const line = parse(text);
    if (typeof line !== 'string') return line;
    if (last) options.onCut?.(`${file}:${lineNo}`);
    else if (!options.skipDamaged) throw new Error(`${file}:${lineNo}: not a request line: ${line}`);
    return undefined;
  };
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const texts = (rest + (chunk as string)).split('\n');
    rest = texts.pop()!;
    for (const text of texts) {
      const line = take(text, false);
      if (line !== undefined) yield line;
    }
  }
  const line = take(rest, true);
  if (line !== undefined) yield line;
}
