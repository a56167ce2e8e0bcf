import type { Connection } from '../core/types.js';
import { type ArrivalProcess, Arrivals } from './arrivals.js';
import type { LoopRun } from './closed.js';
import { exchangeRequest } from './interrupt.js';
import { timelineOf, type Work, type WorkSource } from './work.js';

export interface OpenLoad {
  /** Arrivals per second. */
  rate: number;
  arrival: ArrivalProcess;
  seed: number;
  /** Requests in flight at most; arrivals beyond wait in a queue, still timed from their intended start. */
  max_in_flight: number;
  /** Measured arrivals; exclusive with `duration`. */
  requests?: number;
  /** Seconds of measured arrivals; exclusive with `requests`. */
  duration?: number;
  /** The first arrivals, excluded from the metrics. */
  warmup: number;
}

/** A trace replay: the arrivals are the feed's own (each item's due time), cut by count if asked. */
export interface TraceLoad {
  max_in_flight: number;
  requests?: number;
  warmup: number;
}

/**
 * The arrivals of a scheduled load, in order: when the next one is due, and its request. `peek` answers
 * undefined while the request is not ready yet (its dataset is behind: `more`) or when none is left.
 */
export interface Schedule {
  /** The next arrival's offset, ns from the schedule's start. */
  peek(): number | undefined;
  /** Takes the arrival `peek` announced. */
  shift(): Work;
  readonly over: boolean;
  more(): Promise<void>;
}

/** An arrival process paired with the variant's requests: the times are the process's, the work the feed's. */
export function arrivalSchedule(load: OpenLoad, work: WorkSource, phaseNs = 0): Schedule {
  const arrivals = new Arrivals(load.rate, load.arrival, load.seed, phaseNs);
  let at = arrivals.next();
  let next: Work | undefined;
  return {
    peek: () => ((next ??= work.take()) === undefined ? undefined : at),
    shift: () => {
      const w = next!;
      next = undefined;
      at = arrivals.next();
      return w;
    },
    get over() {
      return next === undefined && work.ended;
    },
    more: () => work.more(),
  };
}

/** A trace's requests at their own due times (the item's `atMs`, speed applied). */
export function traceSchedule(work: WorkSource): Schedule {
  let next: Work | undefined;
  return {
    peek: () => ((next ??= work.take()) === undefined ? undefined : (next.item.atMs ?? 0) * 1e6),
    shift: () => {
      const w = next!;
      next = undefined;
      return w;
    },
    get over() {
      return next === undefined && work.ended;
    },
    more: () => work.more(),
  };
}

export interface ScheduledRun extends LoopRun {
  /** Opens a connection for a request that finds none idle (at most `max_in_flight` are made). */
  connect: () => Connection;
  /** Where the connections it opens go, for the caller to close (even when the run fails). */
  connections: Connection[];
  schedule: Schedule;
  /** Where the schedule's offsets count from (harness time), when several threads share one; else now. */
  origin?: number;
  load: { max_in_flight: number; requests?: number; duration?: number; warmup: number };
}

interface Due {
  index: number;
  /** Intended start, harness time. */
  at: number;
  work: Work;
}

/**
 * Open loop and trace replay: requests start on a schedule, whatever the endpoint is doing, and every
 * latency counts from the **intended** start — so a slow endpoint cannot make the harness wait and hide
 * the queueing its users would feel (coordinated omission). `schedule_delay_ms` (actual − intended) shows
 * how much of that was queueing in the client. Each wake-up of the scheduler starts every arrival that
 * has fallen due, so a late timer produces the burst it owes, not one request at a time; a dataset that
 * cannot keep up delays the arrivals, and that shows as schedule delay too.
 *
 * Rejects when the schedule's dataset cannot be read, after the requests in flight are over.
 */
export async function runScheduled(run: ScheduledRun): Promise<void> {
  const { load, clock, schedule } = run;
  const total = load.requests === undefined ? Infinity : load.warmup + load.requests;
  const measuredNs = (load.duration ?? Infinity) * 1e9;
  const t0 = run.origin ?? clock.now();
  const all = run.connections;
  const opened = all.length;
  const idle: Connection[] = [];
  const queue: Due[] = [];
  let head = 0;
  let index = 0;
  let measuredFrom = -1;
  let scheduling = true;
  let waiting = false;
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  let failure: Error | undefined;
  let finished: () => void = () => {};
  const over = new Promise<void>((resolve) => (finished = resolve));

  const settleIfDone = (): void => {
    if (!scheduling && !waiting && inFlight === 0 && head === queue.length) finished();
  };

  const start = async (due: Due, conn: Connection): Promise<void> => {
    inFlight++;
    const warmup = due.index < load.warmup;
    if (!warmup && due.index === load.warmup) run.onMeasuring?.();
    const tl = timelineOf(due.work, due.at, clock.now(), run.keepText());
    tl.scheduled = true;
    const timelines = await exchangeRequest(conn, tl, due.work.input, run);
    inFlight--;
    idle.push(conn);
    // A redirect after an interrupt is not an arrival: it shares the number of the request it follows.
    for (const t of timelines) run.onDone(t, due.index, warmup);
    pump();
    settleIfDone();
  };

  const pump = (): void => {
    while (head < queue.length && (idle.length > 0 || all.length - opened < load.max_in_flight)) {
      let conn = idle.pop();
      if (conn === undefined) {
        conn = run.connect();
        all.push(conn);
      }
      const due = queue[head];
      // The queue keeps no request it has started.
      queue[head++] = undefined as unknown as Due;
      void start(due, conn);
    }
    // The queue's consumed prefix is dropped now and then, so a long run does not keep it.
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
  };

  const stop = (): void => {
    scheduling = false;
    settleIfDone();
  };

  const tick = (): void => {
    timer = undefined;
    if (run.stopping()) {
      queue.length = head; // arrivals not yet started are not run once the user asked to stop
      return stop();
    }
    const now = clock.now();
    let nextAt: number | undefined;
    while (scheduling) {
      const offset = schedule.peek();
      if (offset === undefined) break;
      const at = t0 + offset;
      if (at > now) {
        nextAt = at;
        break;
      }
      if (index >= load.warmup) {
        if (measuredFrom < 0) measuredFrom = at;
        else if (at - measuredFrom >= measuredNs) {
          scheduling = false;
          break;
        }
      }
      queue.push({ index: index++, at, work: schedule.shift() });
      if (index >= total) scheduling = false;
    }
    pump();
    if (!scheduling) return stop();
    if (nextAt !== undefined) {
      timer = setTimeout(tick, Math.max(0, (nextAt - clock.now()) / 1e6));
    } else if (schedule.over) {
      stop();
    } else {
      // The next request is not ready: wait for the dataset, then schedule what fell due meanwhile.
      waiting = true;
      schedule.more().then(
        () => {
          waiting = false;
          tick();
        },
        (err: Error) => {
          waiting = false;
          failure = err;
          stop();
        },
      );
    }
  };

  tick();
  try {
    await over;
  } finally {
    clearTimeout(timer);
  }
  if (failure !== undefined) throw failure;
}
