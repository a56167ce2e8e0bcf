import { createHistogram, type EventLoopUtilization, performance } from 'node:perf_hooks';

import type { ClientStats } from '../result/result.js';

/** Above these the harness itself inflates the numbers it reports (the client must never be the bottleneck). */
export const EVENT_LOOP_P99_WARN_MS = 5;
export const CPU_WARN_PERCENT = 90;
/** Below this much measured time, CPU share is dominated by one-off work (JIT threads, first GC) and says little. */
const CPU_MIN_WINDOW_S = 1;

const RESOLUTION_MS = 10;

/**
 * Watches the harness's own event loop and CPU while variants are measured. A late timer or a busy loop
 * delays the moment arriving bytes are stamped, so both go into the result next to the numbers they could
 * distort. Paused between measured phases, so start-up work (tokenizer tables, prompt synthesis, first-use
 * compilation during warm-up) is not mistaken for load.
 *
 * The delay is sampled by a timer of its own rather than `monitorEventLoopDelay`: that one, re-enabled
 * after a pause, counts the whole pause as one late sample, and its histograms cannot be added up.
 */
export class ClientMonitor {
  /**
   * `thread`: the share of time this thread's loop was busy instead of the process's CPU, which in a
   * worker thread would count every thread (Node 20 has no per-thread CPU clock).
   */
  constructor(private readonly scope: 'process' | 'thread' = 'process') {}

  /** Timer lateness, µs (RecordableHistogram takes integers ≥ 1). */
  private readonly delays = createHistogram();
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;
  private cpuUs = 0;
  private wallUs = 0;
  private cpuMark: NodeJS.CpuUsage | undefined;
  private loopMark: EventLoopUtilization | undefined;
  private wallMark = 0n;

  resume(): void {
    if (this.cpuMark !== undefined) return;
    this.cpuMark = process.cpuUsage();
    if (this.scope === 'thread') this.loopMark = performance.eventLoopUtilization();
    this.wallMark = process.hrtime.bigint();
    this.arm();
  }

  pause(): void {
    if (this.cpuMark === undefined) return;
    clearTimeout(this.timer);
    if (this.loopMark !== undefined) {
      this.cpuUs += performance.eventLoopUtilization(this.loopMark).active * 1e3;
    } else {
      const cpu = process.cpuUsage(this.cpuMark);
      this.cpuUs += cpu.user + cpu.system;
    }
    this.wallUs += Number(process.hrtime.bigint() - this.wallMark) / 1e3;
    this.cpuMark = undefined;
  }

  stats(): ClientStats {
    this.pause();
    const h = this.delays;
    const ms = (us: number): number => (h.count === 0 ? 0 : Math.round(us) / 1e3);
    return {
      event_loop_delay_ms: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) },
      cpu_percent: this.wallUs > 0 ? Math.round((this.cpuUs / this.wallUs) * 1000) / 10 : 0,
      window_s: Math.round(this.wallUs / 1e3) / 1e3,
    };
  }

  private arm(): void {
    this.expected = performance.now() + RESOLUTION_MS;
    this.timer = setTimeout(this.sample, RESOLUTION_MS);
    // A monitor must never be what keeps the process alive.
    this.timer.unref();
  }

  private readonly sample = (): void => {
    this.delays.record(Math.max(1, Math.round((performance.now() - this.expected) * 1000)));
    this.arm();
  };
}

export function clientWarnings(stats: ClientStats): string[] {
  const warnings: string[] = [];
  if (stats.event_loop_delay_ms.p99 > EVENT_LOOP_P99_WARN_MS) {
    warnings.push(
      `client event-loop delay p99 ${stats.event_loop_delay_ms.p99} ms exceeds ${EVENT_LOOP_P99_WARN_MS} ms: ` +
        'arrival timestamps are late by up to that much; lower the concurrency or add workers',
    );
  }
  if (stats.cpu_percent > CPU_WARN_PERCENT && (stats.window_s ?? Infinity) >= CPU_MIN_WINDOW_S) {
    warnings.push(
      `client CPU ${stats.cpu_percent}% of one core exceeds ${CPU_WARN_PERCENT}%: the harness may be the bottleneck`,
    );
  }
  return warnings;
}
