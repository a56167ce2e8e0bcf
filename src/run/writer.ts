import type { WriteStream } from 'node:fs';
import { createWriteStream, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';

import type { MetricSet } from '../metrics/metric-set.js';
import { toHgrm } from '../report/hgrm.js';
import { defaultReports, writeReports } from '../report/report-files.js';
import type { Result } from '../result/result.js';
import { writeFileAtomic } from '../shared/atomic-file.js';
import { ScenarioError } from '../shared/input-error.js';

/** `<UTC timestamp>-<name>`, e.g. `20261126T044501Z-quickstart`: sorts by time, safe on every file system. */
export function resultDirName(name: string, started: Date): string {
  const stamp = started
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${stamp}-${safeName(name)}`;
}

/** Scenario and variant names are user text; file names must not climb directories or break shells. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** What a run writes into its folder: an earlier run's files there would read as this run's. */
const RUN_FILES = /^(result\.json|requests\.jsonl|workload\.jsonl|report\.html|report\.md|.+\.hgrm|.+\.hlog)$/;

/** Removes an earlier run's files from a reused folder (`--out`), and nothing else. */
function clearEarlierRun(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true }))
    if (e.isFile() && RUN_FILES.test(e.name)) unlinkSync(path.join(dir, e.name));
}

/** A result folder that could not be written; the run's result, scrubbed, is still here to print. */
export class ResultWriteError extends Error {
  constructor(
    message: string,
    readonly result: Result,
  ) {
    super(message);
  }
}

/**
 * requests.jsonl goes to disk in batches, at least every FLUSH_MS: a write per line falls behind at
 * thousands of requests a second (a killed run lost 1100 lines), and a batch bounds what a kill loses.
 */
const FLUSH_MS = 100;
const BATCH_CHARS = 256 * 1024;

const reason = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/**
 * Writes one run's results directory (results/README.md). Raw request records stream to disk
 * as they come: a long run produces millions of them, far more than should be held until the end.
 * Every other file is written whole or not at all (a temporary name, then a rename). A failed write
 * is kept in `failure`, so that the run stops scheduling; `finish` still writes what it can and then
 * throws a ResultWriteError.
 */
export class ResultWriter {
  private readonly requests: WriteStream;
  private batch = '';
  private readonly flusher: NodeJS.Timeout;
  /** The first write that failed. */
  failure: string | undefined;

  /**
   * `scrub` removes secret values from every text written (see scenario/redact.ts); `tap` is handed the
   * requests.jsonl text as written, scrubbed (the run's outputs).
   */
  constructor(
    readonly dir: string,
    private readonly scrub: (text: string) => string = (t) => t,
    private readonly tap?: (text: string) => void,
  ) {
    try {
      mkdirSync(dir, { recursive: true });
      clearEarlierRun(dir);
    } catch (err) {
      throw new ScenarioError([{ path: '--out', message: `cannot create the result folder ${dir} (${reason(err)})` }]);
    }
    this.requests = createWriteStream(path.join(dir, 'requests.jsonl'));
    // Unlistened, a write error would crash the process in the middle of a benchmark.
    this.requests.on('error', (err) => {
      this.failure ??= `cannot write ${path.join(dir, 'requests.jsonl')} (${reason(err)})`;
    });
    this.flusher = setInterval(() => this.flush(), FLUSH_MS).unref();
  }

  /** One line of requests.jsonl. */
  appendRequest(line: object): void {
    this.add(this.scrub(JSON.stringify(line)) + '\n');
  }

  /** Lines of requests.jsonl already serialized, newline-terminated (a worker's batch). */
  appendLines(text: string): void {
    this.add(this.scrub(text));
  }

  private add(text: string): void {
    this.tap?.(text);
    this.batch += text;
    if (this.batch.length >= BATCH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    if (this.failure === undefined) this.requests.write(this.batch);
    this.batch = '';
  }

  /**
   * Writes result.json, `<variant>.<metric>.hgrm` for every metric with data and the two reports, and
   * closes requests.jsonl (the reports read it back). The reports are views of result.json: if they
   * cannot be written the run still stands, so their failure comes back as a message, not an error.
   * `result` comes back as written (scrubbed), for the caller to print.
   */
  async finish(
    result: Result,
    histograms: ReadonlyMap<string, MetricSet>,
  ): Promise<{ result: Result; problems: string[] }> {
    clearInterval(this.flusher);
    this.flush();
    this.requests.end();
    await finished(this.requests).catch(() => {});
    const at = (name: string): string => path.join(this.dir, name);
    const json = this.scrub(JSON.stringify(result, null, 2)) + '\n';
    const written = JSON.parse(json) as Result;
    const files: Array<[string, string]> = [['result.json', json]];
    for (const [variant, set] of histograms)
      for (const [metric, h] of set.recorded()) files.push([`${safeName(variant)}.${metric}.hgrm`, toHgrm(h)]);
    // result.json first: whatever else fails, the run's figures are kept if they can be.
    for (const [name, text] of files) {
      try {
        await writeFileAtomic(at(name), text);
      } catch (err) {
        this.failure ??= `cannot write ${at(name)} (${reason(err)})`;
        break;
      }
    }
    if (this.failure !== undefined) throw new ResultWriteError(this.scrub(this.failure), written);
    try {
      await writeReports(result, this.dir, { ...defaultReports(this.dir), scrub: this.scrub });
      return { result: written, problems: [] };
    } catch (err) {
      const problem = `the reports were not written (${(err as Error).message}); \`wirebench report ${this.dir}\` retries`;
      return { result: written, problems: [this.scrub(problem)] };
    }
  }
}
