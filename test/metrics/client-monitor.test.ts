import { describe, expect, it } from 'vitest';

import { ClientMonitor, clientWarnings } from '../../src/metrics/client-monitor.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('ClientMonitor', () => {
  it('sees a blocked event loop while resumed, and not what happened while paused', async () => {
    const monitor = new ClientMonitor();
    monitor.resume();
    await sleep(30);
    block(60);
    await sleep(30);
    monitor.pause();
    block(200); // start-up-like work between measured phases
    await sleep(20);
    monitor.resume();
    await sleep(30);
    const s = monitor.stats();
    expect(s.event_loop_delay_ms.max).toBeGreaterThanOrEqual(45);
    expect(s.event_loop_delay_ms.max).toBeLessThan(150);
    expect(s.window_s).toBeGreaterThan(0.1);
    expect(s.window_s).toBeLessThan(0.3);
    expect(clientWarnings(s).join()).toMatch(/event-loop delay p99/);
  });

  it('does not judge CPU share on a window too short to mean anything', () => {
    const busy = { event_loop_delay_ms: { p50: 0, p99: 0, max: 0 }, cpu_percent: 120 };
    expect(clientWarnings({ ...busy, window_s: 0.2 })).toEqual([]);
    expect(clientWarnings({ ...busy, window_s: 5 }).join()).toMatch(/client CPU 120%/);
  });
});
