import { Timeline } from '../metrics/timeline.js';
import type { LoopRun } from './closed.js';
import { Arrivals, type ArrivalProcess } from './arrivals.js';
import { exchangeRequest } from './interrupt.js';
import type { Connection } from './types.js';

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

export interface OpenRun extends LoopRun {
  /** Opens a connection for a request that finds none idle (at most `max_in_flight` are made). */
  connect: () => Connection;
  load: OpenLoad;
}

interface Due {
  index: number;
  /** Intended start, harness time. */
  at: number;
}

/**
 * Open loop: requests start on an arrival schedule, whatever the endpoint is doing, and every latency
 * counts from the **intended** start — so a slow endpoint cannot make the harness wait and hide the
 * queueing its users would feel (coordinated omission). `schedule_delay_ms` (actual − intended) shows
 * how much of that was queueing in the client. Each wake-up of the scheduler starts every arrival that
 * has fallen due, so a late timer produces the burst it owes, not one request at a time.
 *
 * Returns the connections it opened, for the caller to close.
 */
export async function runOpen(run: OpenRun): Promise<Connection[]> {
  const { load, clock } = run;
  const arrivals = new Arrivals(load.rate, load.arrival, load.seed);
  const total = load.requests === undefined ? Infinity : load.warmup + load.requests;
  const measuredNs = (load.duration ?? Infinity) * 1e9;
  const t0 = clock.now();
  const all: Connection[] = [];
  const idle: Connection[] = [];
  const queue: Due[] = [];
  let head = 0;
  let index = 0;
  let nextAt = t0 + arrivals.next();
  let measuredFrom = -1;
  let scheduling = true;
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  let finished: () => void = () => {};
  const over = new Promise<void>((resolve) => (finished = resolve));

  const settleIfDone = (): void => {
    if (!scheduling && inFlight === 0 && head === queue.length) finished();
  };

  const start = async (due: Due, conn: Connection): Promise<void> => {
    inFlight++;
    const warmup = due.index < load.warmup;
    if (!warmup && due.index === load.warmup) run.onMeasuring?.();
    const tl = new Timeline(due.at, clock.now(), run.keepText());
    tl.scheduled = true;
    const timelines = await exchangeRequest(conn, tl, run);
    inFlight--;
    idle.push(conn);
    // A redirect after an interrupt is not an arrival: it shares the number of the request it follows.
    for (const t of timelines) run.onDone(t, due.index, warmup);
    pump();
    settleIfDone();
  };

  const pump = (): void => {
    while (head < queue.length && (idle.length > 0 || all.length < load.max_in_flight)) {
      let conn = idle.pop();
      if (conn === undefined) {
        conn = run.connect();
        all.push(conn);
      }
      void start(queue[head++], conn);
    }
    // The queue's consumed prefix is dropped now and then, so a long run does not keep it.
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
  };

  const tick = (): void => {
    timer = undefined;
    if (run.stopping()) {
      scheduling = false;
      queue.length = head; // arrivals not yet started are not run once the user asked to stop
      settleIfDone();
      return;
    }
    const now = clock.now();
    while (scheduling && nextAt <= now) {
      if (index >= load.warmup) {
        if (measuredFrom < 0) measuredFrom = nextAt;
        else if (nextAt - measuredFrom >= measuredNs) {
          scheduling = false;
          break;
        }
      }
      queue.push({ index: index++, at: nextAt });
      if (index >= total) scheduling = false;
      nextAt = t0 + arrivals.next();
    }
    pump();
    if (scheduling) timer = setTimeout(tick, Math.max(0, (nextAt - clock.now()) / 1e6));
    else settleIfDone();
  };

  tick();
  try {
    await over;
  } finally {
    clearTimeout(timer);
  }
  return all;
}
