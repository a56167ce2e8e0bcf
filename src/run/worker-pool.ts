import { Worker } from 'node:worker_threads';

import type { StepEndpoint } from './endpoints.js';
import type { FromWorker, ToWorker, WorkerInit, WorkerPart, WorkerStatus } from './worker-protocol.js';

/** How long a worker may take to hand over its figures once told to finish (it has nothing in flight). */
const FINISH_MS = 30_000;

/** What the pool tells the run as it goes. */
export interface PoolHooks {
  lines: (text: string) => void;
  log: (line: string) => void;
}

interface Member {
  n: number;
  worker: Worker;
  /** Gone: exited, crashed or failed; its figures (if any) are all it gives. */
  gone: boolean;
  /** Within the current step and not done with it. */
  busy: boolean;
  waiting: boolean;
  /** The label of the block it waits to start. */
  next: string;
  status: WorkerStatus;
  part?: WorkerPart;
}

/**
 * The worker threads of one run. The parent steps them all through the run together: a step starts in
 * every worker at once, and each block of each step starts when every busy worker has reached it, so the
 * variants stay interleaved across workers. A worker that dies is dropped and said, never waited for.
 */
export class WorkerPool {
  private readonly members: Member[];
  private stepDone: (() => void) | undefined;
  /** Awaited at each block boundary of the current step (`server_metrics` scrapes there). */
  private boundary: ((next: string | undefined) => Promise<void>) | undefined;
  /** A boundary is being awaited: nothing starts or ends meanwhile. */
  private atBoundary = false;
  private readonly ready: Promise<unknown>;
  /** Why workers were lost, for the result. */
  readonly failures: string[] = [];

  /** `script`: the worker's entry module (worker-main.js; tests give a stand-in). */
  constructor(
    inits: readonly WorkerInit[],
    private readonly hooks: PoolHooks,
    script: URL = new URL('./worker-main.js', import.meta.url),
  ) {
    const readies: Promise<void>[] = [];
    this.members = inits.map((init) => {
      const worker = new Worker(script, { workerData: init });
      const m: Member = {
        n: init.worker,
        worker,
        gone: false,
        busy: false,
        waiting: false,
        next: '',
        status: { done: 0, errors: 0, variant: '', variants: [] },
      };
      readies.push(
        new Promise<void>((resolve) => {
          worker.on('message', (msg: FromWorker) => {
            if (msg.type === 'ready') resolve();
            this.onMessage(m, msg);
          });
          worker.on('error', (err) => this.lose(m, err.message));
          worker.on('exit', (code) => {
            this.lose(m, `exited (code ${code}) before handing over its figures`);
            resolve();
          });
        }),
      );
      return m;
    });
    this.ready = Promise.all(readies);
  }

  /** Every worker's progress (requests, errors, per variant), and the variant of the first worker still running. */
  status(): WorkerStatus {
    const live = this.members.find((m) => m.busy);
    const variants = new Map<string, number>();
    for (const m of this.members)
      for (const v of m.status.variants) variants.set(v.name, (variants.get(v.name) ?? 0) + v.done);
    return {
      done: this.members.reduce((s, m) => s + m.status.done, 0),
      errors: this.members.reduce((s, m) => s + m.status.errors, 0),
      variant: live?.status.variant ?? '',
      variants: [...variants].map(([name, done]) => ({ name, done })),
    };
  }

  /**
   * Runs step k in every worker; resolves when each is done with it or gone. `boundary` is awaited
   * before each block starts (with its label) and once the step is over (with undefined).
   */
  async step(k: number, endpoint: StepEndpoint, boundary?: (next: string | undefined) => Promise<void>): Promise<void> {
    this.boundary = boundary;
    await this.ready;
    const live = this.members.filter((m) => !m.gone);
    if (live.length === 0) throw new Error(`every worker failed: ${this.failures.join('; ')}`);
    const done = new Promise<void>((resolve) => (this.stepDone = resolve));
    for (const m of live) {
      m.busy = true;
      this.send(m, { type: 'step', k, endpoint });
    }
    await done;
  }

  stop(hard: boolean): void {
    for (const m of this.members) this.send(m, { type: 'stop', hard });
  }

  /** Each live worker's figures; then every thread is gone. */
  async finish(): Promise<WorkerPart[]> {
    await this.ready;
    const exits = this.members.map((m) =>
      m.gone ? Promise.resolve() : new Promise<void>((resolve) => m.worker.once('exit', () => resolve())),
    );
    for (const m of this.members) this.send(m, { type: 'finish' });
    const timer = setTimeout(() => {
      for (const m of this.members)
        if (!m.gone) this.lose(m, `did not hand over its figures within ${FINISH_MS / 1000} s`);
      for (const m of this.members) void m.worker.terminate();
    }, FINISH_MS);
    await Promise.all(exits);
    clearTimeout(timer);
    return this.members.flatMap((m) => (m.part === undefined ? [] : [m.part]));
  }

  private send(m: Member, msg: ToWorker): void {
    if (!m.gone) m.worker.postMessage(msg);
  }

  private onMessage(m: Member, msg: FromWorker): void {
    switch (msg.type) {
      case 'lines':
        return this.hooks.lines(msg.text);
      case 'log':
        return this.hooks.log(`worker ${m.n}: ${msg.line}`);
      case 'status':
        m.status = msg;
        return;
      case 'block':
        m.waiting = true;
        m.next = msg.label;
        return this.release();
      case 'step-done':
        m.busy = false;
        return this.release();
      case 'result':
        m.part = msg.part;
        m.gone = true;
        // It has handed over everything: a handle it left open must not hold the run up.
        void m.worker.terminate();
        return this.release();
      case 'failed':
        return this.lose(m, msg.message);
      case 'ready':
        return;
    }
  }

  private lose(m: Member, why: string): void {
    if (m.gone) return;
    m.gone = true;
    this.failures.push(`worker ${m.n} failed: ${why}`);
    void m.worker.terminate();
    this.release();
  }

  /** Starts the next block once every busy worker waits for it, and ends the step once none is busy. */
  private release(): void {
    if (this.atBoundary) return;
    const busy = this.members.filter((m) => m.busy && !m.gone);
    if (busy.length > 0 && busy.every((m) => m.waiting)) {
      this.cross(busy[0].next, () => {
        const at = String(process.hrtime.bigint());
        for (const m of this.members.filter((w) => w.busy && !w.gone && w.waiting)) {
          m.waiting = false;
          this.send(m, { type: 'go', at });
        }
      });
    } else if (busy.length === 0 && this.stepDone !== undefined) {
      this.cross(undefined, () => {
        const done = this.stepDone;
        this.stepDone = undefined;
        done?.();
      });
    }
  }

  /** Awaits the step's boundary hook (if any), then `then`; whatever changed meanwhile is looked at again. */
  private cross(next: string | undefined, then: () => void): void {
    const boundary = this.boundary;
    if (boundary === undefined) return then();
    this.atBoundary = true;
    void boundary(next).finally(() => {
      this.atBoundary = false;
      then();
      this.release();
    });
  }
}
