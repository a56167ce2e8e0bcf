import type { WriteStream } from 'node:fs';
import { createWriteStream, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';

import type { MetricSet } from '../metrics/metric-set.js';
import { toHgrm } from '../report/hgrm.js';
import { defaultReports, writeReports } from '../report/report-files.js';
import type { Result } from '../result/result.js';

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

/**
 * Writes one run's results directory (results/README.md). Raw request records stream to disk
 * as they come: a long run produces millions of them, far more than should be held until the end.
 */
export class ResultWriter {
  private readonly requests: WriteStream;

  /** `scrub` removes secret values from every text written (see scenario/redact.ts). */
  constructor(
    readonly dir: string,
    private readonly scrub: (text: string) => string = (t) => t,
  ) {
    mkdirSync(dir, { recursive: true });
    this.requests = createWriteStream(path.join(dir, 'requests.jsonl'));
    // A write error surfaces in finish() (through `finished`); unlistened, it would crash the process
    // in the middle of a benchmark.
    this.requests.on('error', () => {});
  }

  /** One line of requests.jsonl; the stream holds only what the disk has not taken yet. */
  appendRequest(line: object): void {
    this.requests.write(this.scrub(JSON.stringify(line)) + '\n');
  }

  /** Lines of requests.jsonl already serialized, newline-terminated (a worker's batch). */
  appendLines(text: string): void {
    this.requests.write(this.scrub(text));
  }

  /**
   * Writes result.json, `<variant>.<metric>.hgrm` for every metric with data and the two reports, and
   * closes requests.jsonl (the reports read it back). The reports are views of result.json: if they
   * cannot be written the run still stands, so their failure comes back as a message, not an error.
   */
  async finish(result: Result, histograms: ReadonlyMap<string, MetricSet>): Promise<string[]> {
    this.requests.end();
    await finished(this.requests);
    await writeFile(path.join(this.dir, 'result.json'), this.scrub(JSON.stringify(result, null, 2)) + '\n');
    const writes: Promise<void>[] = [];
    for (const [variant, set] of histograms) {
      for (const [metric, h] of set.recorded()) {
        writes.push(writeFile(path.join(this.dir, `${safeName(variant)}.${metric}.hgrm`), toHgrm(h)));
      }
    }
    await Promise.all(writes);
    try {
      await writeReports(result, this.dir, { ...defaultReports(this.dir), scrub: this.scrub });
      return [];
    } catch (err) {
      return [
        this.scrub(
          `the reports were not written (${(err as Error).message}); \`wirebench report ${this.dir}\` retries`,
        ),
      ];
    }
  }
}
