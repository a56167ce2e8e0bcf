import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import type { MetricName } from '../core/catalog.js';
import { type Clock, systemClock } from '../core/clock.js';
import type { Nanos } from '../core/types.js';
import { COUNTS_LENGTH } from './histogram.js';
import type { MetricSet } from './metric-set.js';

/** The instant every log of a run counts from: wall-clock ms since the epoch, and the same instant in harness time. */
export interface LogOrigin {
  epochMs: number;
  at: Nanos;
}

/** One metric's samples in one interval, sparse: counts-array indices and how many samples each gained. */
export interface MetricDiff {
  tag: MetricName;
  index: Uint32Array<ArrayBuffer>;
  count: Uint32Array<ArrayBuffer>;
}

/** What the main thread posts to interval-log-worker.ts. */
export type LogMessage =
  | { op: 'open'; file: number; path: string; title: string; epochMs: number }
  | { op: 'interval'; file: number; startS: number; lengthS: number; diffs: MetricDiff[] }
  | { op: 'close'; file: number }
  | { op: 'end' };

/** The worker's only reply, to `end`: what failed (write errors), once every file is closed. */
export interface LogReply {
  errors: string[];
}

export type Post = (msg: LogMessage, transfer?: ArrayBuffer[]) => void;

// One pair of scratch arrays for every diff: the main thread diffs one metric at a time, and what leaves
// it is a right-sized copy.
const INDEX = new Uint32Array(COUNTS_LENGTH);
const COUNT = new Uint32Array(COUNTS_LENGTH);
const WORDS = COUNTS_LENGTH / 2;

/**
 * The buckets where `counts` has grown since `snapshot` (`added` samples in all), and by how much; brings
 * `snapshot` up to date. This loop is the main thread's whole share of the interval log, so it compares
 * two counts at a time (a Float64Array over the same memory) and stops once the changes found account
 * for the samples added: counts only grow, so the rest is unchanged.
 */
export function diffCounts(
  counts: Readonly<Uint32Array>,
  snapshot: Uint32Array,
  added: number,
): Omit<MetricDiff, 'tag'> {
  let n = 0;
  let found = 0;
  const take = (i: number): void => {
    const c = counts[i];
    if (c === snapshot[i]) return;
    INDEX[n] = i;
    // Modulo 2^32, as the counts themselves are.
    COUNT[n] = c - snapshot[i];
    found += COUNT[n];
    snapshot[i] = c;
    n++;
  };
  const wide = new Float64Array(counts.buffer, counts.byteOffset, WORDS);
  const wideSnapshot = new Float64Array(snapshot.buffer, snapshot.byteOffset, WORDS);
  for (let w = 0; w < WORDS && found < added; w++) {
    if (wide[w] !== wideSnapshot[w]) {
      take(2 * w);
      take(2 * w + 1);
    }
  }
  // Different bits compare unequal as doubles (NaNs even when equal, which `take` sorts out), except +0
  // and -0: a bucket pair of counts 0 and 2^31. Should the fast pass come up short, this one is exact.
  for (let i = 0; i < COUNTS_LENGTH && found < added; i++) take(i);
  return { index: INDEX.slice(0, n), count: COUNT.slice(0, n) };
}

/**
 * The interval histograms of one MetricSet (one `.hlog` file). A tick diffs each metric's live counts
 * against the snapshot of the previous tick, so `MetricSet.record` carries no extra work; a metric whose
 * sample total has not moved costs one comparison and writes no line (idle variants write nothing).
 */
export class IntervalLog {
  private readonly totals = new Map<MetricName, number>();
  private readonly snapshots = new Map<MetricName, Uint32Array>();

  constructor(
    private readonly file: number,
    private readonly metrics: MetricSet,
    private readonly origin: LogOrigin,
    private last: Nanos,
    private readonly post: Post,
  ) {}

  /** Ends the current interval at `t` and starts the next one. */
  tick(t: Nanos): void {
    const diffs: MetricDiff[] = [];
    this.metrics.forEachCounts((name, counts, total) => {
      const added = total - (this.totals.get(name) ?? 0);
      if (added === 0) return;
      this.totals.set(name, total);
      let snapshot = this.snapshots.get(name);
      if (snapshot === undefined) {
        snapshot = new Uint32Array(COUNTS_LENGTH);
        this.snapshots.set(name, snapshot);
      }
      diffs.push({ tag: name, ...diffCounts(counts, snapshot, added) });
    });
    if (diffs.length > 0) {
      const msg: LogMessage = {
        op: 'interval',
        file: this.file,
        startS: (this.last - this.origin.at) / 1e9,
        lengthS: (t - this.last) / 1e9,
        diffs,
      };
      this.post(
        msg,
        diffs.flatMap((d) => [d.index.buffer, d.count.buffer]),
      );
    }
    this.last = t;
  }

  /** Writes the last, partial interval and closes the file. */
  close(t: Nanos): void {
    this.tick(t);
    this.post({ op: 'close', file: this.file });
  }
}

/**
 * The worker's compiled file. From dist it sits beside this module. Under vitest this module runs from
 * src/*.ts, and a worker thread is plain Node, which cannot load TypeScript (vitest's transform serves
 * only the test's own thread), so the worker comes from the build instead, as the CLI's helper processes
 * do (shared/child-process.ts). The worker is the file writing; the diffing it is fed is tested from src.
 */
function workerFile(): URL {
  const here = import.meta.url;
  const file = here.endsWith('.ts')
    ? new URL('../../dist/src/metrics/interval-log-worker.js', here)
    : new URL('./interval-log-worker.js', here);
  if (!existsSync(file))
    throw new Error(`--hdr-log needs a build: ${fileURLToPath(file)} is missing (run npm run build)`);
  return file;
}

/**
 * A run's HdrHistogram interval logs (`--hdr-log`): one `<name>.hlog` per open MetricSet, a line per
 * metric with samples per interval, ticked every `intervalS` seconds. Building, encoding and writing
 * the histograms happens on a worker thread: the event loop here stamps every latency, so its share is
 * the diff alone. Nothing per interval is kept: lines stream to disk.
 */
export class IntervalLogs {
  private readonly worker: Worker;
  private readonly timer: NodeJS.Timeout;
  private readonly open = new Set<IntervalLog>();
  private readonly errors: string[] = [];
  private readonly exited: Promise<void>;
  private readonly origin: LogOrigin;
  private files = 0;
  private ended: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    intervalS: number,
    private readonly clock: Clock = systemClock,
  ) {
    // Both clocks read back to back: every file of the run counts from this instant.
    this.origin = { epochMs: Date.now(), at: clock.now() };
    this.worker = new Worker(workerFile());
    // Held only while closing (below): a run that fails before its close must not hang on the thread.
    this.worker.unref();
    this.worker.on('message', (reply: LogReply) => this.errors.push(...reply.errors));
    // A crashed worker must not take the benchmark with it: the error is reported by close().
    this.worker.on('error', (err) => this.errors.push(err.message));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.timer = setInterval(() => this.tick(), intervalS * 1000).unref();
  }

  /**
   * Starts `<dir>/<name>.hlog` for `metrics`; its first interval starts now. Variant names are file-safe
   * (the scenario schema checks them).
   */
  start(name: string, metrics: MetricSet): void {
    const file = this.files++;
    const post: Post = (msg, transfer) => this.worker.postMessage(msg, transfer);
    post({ op: 'open', file, path: path.join(this.dir, `${name}.hlog`), title: name, epochMs: this.origin.epochMs });
    this.open.add(new IntervalLog(file, metrics, this.origin, this.clock.now(), post));
  }

  /** Ends every open log's interval at one instant. */
  tick(): void {
    const t = this.clock.now();
    for (const log of this.open) log.tick(t);
  }

  /** Writes the last, partial interval of every open log and closes their files (a sweep step is over). */
  closeFiles(): void {
    const t = this.clock.now();
    for (const log of this.open) log.close(t);
    this.open.clear();
  }

  /**
   * Closes every file and waits until the worker has written all of it, so that a result folder with a
   * result.json has complete `.hlog` files; rejects if any write failed.
   */
  close(): Promise<void> {
    this.ended ??= (async () => {
      clearInterval(this.timer);
      this.closeFiles();
      this.worker.ref();
      this.worker.postMessage({ op: 'end' } satisfies LogMessage);
      await this.exited;
      if (this.errors.length > 0) throw new Error(`writing the .hlog files failed: ${this.errors.join('; ')}`);
    })();
    return this.ended;
  }
}
