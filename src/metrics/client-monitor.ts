import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ClientStats } from '../report/result.js';

/** Above these the harness itself inflates the numbers it reports (DESIGN.md: the client must not be the bottleneck). */
export const EVENT_LOOP_P99_WARN_MS = 5;
export const CPU_WARN_PERCENT = 90;

/**
 * Watches the harness's own event loop and CPU over a run. A late timer or a busy loop delays the
 * moment arriving bytes are stamped, so both go into the result next to the numbers they could distort.
 */
const RESOLUTION_MS = 10;

export class ClientMonitor {
  private readonly histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private readonly cpuStart = process.cpuUsage();
  private readonly wallStart = process.hrtime.bigint();

  constructor() {
    this.histogram.enable();
  }

  stop(): ClientStats {
    this.histogram.disable();
    const cpu = process.cpuUsage(this.cpuStart);
    const wallUs = Number(process.hrtime.bigint() - this.wallStart) / 1e3;
    const h = this.histogram;
    // Node's histogram holds the whole interval between its timer's runs, sampling period included:
    // the delay is what exceeds the period.
    const ms = (ns: number): number => Math.max(0, Math.round(ns / 1e3) / 1e3 - RESOLUTION_MS);
    return {
      event_loop_delay_ms: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) },
      cpu_percent: wallUs > 0 ? Math.round(((cpu.user + cpu.system) / wallUs) * 1000) / 10 : 0,
    };
  }
}

export function clientWarnings(stats: ClientStats): string[] {
  const warnings: string[] = [];
  if (stats.event_loop_delay_ms.p99 > EVENT_LOOP_P99_WARN_MS) {
    warnings.push(
      `client event-loop delay p99 ${stats.event_loop_delay_ms.p99} ms exceeds ${EVENT_LOOP_P99_WARN_MS} ms: ` +
        'arrival timestamps are late by up to that much; lower the concurrency or add workers',
    );
  }
  if (stats.cpu_percent > CPU_WARN_PERCENT) {
    warnings.push(
      `client CPU ${stats.cpu_percent}% of one core exceeds ${CPU_WARN_PERCENT}%: the harness may be the bottleneck`,
    );
  }
  return warnings;
}
