import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { Timeline } from '../../src/metrics/timeline.js';
import { VariantRecorder } from '../../src/metrics/variant-recorder.js';
import type { Result, VariantResult } from '../../src/result/result.js';
import { result, variant } from '../report/fixtures.js';

/**
 * Runs for trend tests, made without a server: each request goes through the recorder a run uses, so a
 * variant's histograms and its requests.jsonl lines hold the very same values.
 */

const MS = 1e6;
const RUN = 5_000 * MS;

export interface Recorded {
  variant: VariantResult;
  lines: string[];
}

/**
 * `n` requests of `name` whose TTFT is `ttftMs` plus 0–9.6 ms (whole 0.1 ms, spread by `shuffle`), each
 * with 5 deltas 2 ms apart; the server accepts each request 2 ms in.
 */
export function recorded(name: string, ttftMs: number, shuffle = 0, n = 120): Recorded {
  const lines: string[] = [];
  const rec = new VariantRecorder(name, RUN, undefined, (l) => lines.push(JSON.stringify(l)));
  for (let i = 0; i < n; i++) {
    const start = RUN + i * 1000 * MS;
    const tl = new Timeline(start, start, false);
    tl.firstByte = start + 1 * MS;
    tl.ack(start + 2 * MS);
    const ttft = ttftMs + ((i * 7919 + shuffle) % 97) / 10;
    for (let k = 0; k < 5; k++) tl.delta(start + (ttft + 2 * k) * MS, 'text', ' x', undefined);
    tl.usage(3, 5, undefined);
    tl.done(tl.lastDelta + 0.5 * MS, 'r');
    rec.commit(tl, i, false, tl.intended);
  }
  return { variant: variant(name, {}, rec.metrics), lines };
}

/** A result of `variants` that started at `startedAt`, from `commit` when given. */
export function runOf(variants: readonly Recorded[], startedAt: string, commit?: string, scenario = 'test'): Result {
  const r = result(variants.map((v) => v.variant));
  r.scenario = { name: scenario };
  r.env = { ...r.env, started_at: startedAt, ended_at: startedAt };
  delete r.env.git_commit;
  if (commit !== undefined) r.env.git_commit = commit;
  return r;
}

/** Writes `<dir>/<name>/result.json` and, unless `lines` is false, the requests.jsonl of `variants`. */
export function writeRun(dir: string, name: string, run: Result, variants: readonly Recorded[], lines = true): string {
  const folder = path.join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'result.json'), JSON.stringify(run, null, 2));
  if (lines) writeFileSync(path.join(folder, 'requests.jsonl'), variants.flatMap((v) => v.lines).join('\n') + '\n');
  return folder;
}
