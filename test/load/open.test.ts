import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { now, systemClock } from '../../src/core/clock.js';
import type { Connection, RequestRecord } from '../../src/core/types.js';
import { arrivalSchedule, runScheduled } from '../../src/load/open.js';
import type { Timeline } from '../../src/metrics/timeline.js';
import type { Result } from '../../src/result/result.js';
import { assertBuilt, runScenarioText } from '../cli/helpers.js';
import { fixedWork } from './helpers.js';

const input = { model: 'm', prompt: 'p', maxOutputTokens: 1, extra: {} };

/** A connection whose every exchange takes `ms` of wall time. */
function slowConnection(ms: number, inFlight: { now: number; max: number }): Connection {
  return {
    exchange: async (_req, rec: RequestRecord) => {
      inFlight.now++;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      await new Promise((r) => setTimeout(r, ms));
      rec.done(now(), undefined);
      inFlight.now--;
    },
    close: async () => {},
  };
}

describe('open loop (fake endpoint)', () => {
  it('starts arrivals on schedule up to max_in_flight, queues the rest, and times them from their intended start', async () => {
    const inFlight = { now: 0, max: 0 };
    const done: { tl: Timeline; index: number; warmup: boolean }[] = [];
    let opened = 0;
    const work = fixedWork(input);
    const load = { rate: 200, arrival: 'constant', seed: 1, max_in_flight: 2, requests: 20, warmup: 2 } as const;
    await runScheduled({
      connect: () => {
        opened++;
        return slowConnection(20, inFlight);
      },
      connections: [],
      work,
      schedule: arrivalSchedule(load, work),
      load,
      timeoutMs: 5000,
      clock: systemClock,
      stopping: () => false,
      keepText: () => false,
      onDone: (tl, index, warmup) => done.push({ tl, index, warmup }),
    });
    expect(done).toHaveLength(22);
    expect(
      done
        .filter((d) => d.warmup)
        .map((d) => d.index)
        .sort((a, b) => a - b),
    ).toEqual([0, 1]);
    expect(opened).toBe(2);
    expect(inFlight.max).toBe(2);
    const byIndex = [...done].sort((a, b) => a.index - b.index).map((d) => d.tl);
    // Intended starts are exactly 5 ms apart, whenever the requests could actually start.
    for (let i = 1; i < byIndex.length; i++)
      expect((byIndex[i].intended - byIndex[i - 1].intended) / 1e6).toBeCloseTo(5, 6);
    for (const tl of byIndex) {
      expect(tl.scheduled).toBe(true);
      expect(tl.start).toBeGreaterThanOrEqual(tl.intended);
    }
    // 2 in flight × 20 ms serve 100 req/s against 200 arriving: the queue, and the delay, grow.
    expect((byIndex[21].start - byIndex[21].intended) / 1e6).toBeGreaterThan(80);
  });
});

describe('coordinated omission, against the reference server', { retry: 1 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-open-'));
  beforeAll(assertBuilt);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(name: string, load: string): Promise<{ result: Result; lines: { intended_ms: number }[] }> {
    const yaml = `name: ${name}
target: embedded
server: { ttft_ms: 200, tps: 5000, output_tokens: 5 }
request: { prompt_tokens: 8, max_output_tokens: 5 }
variants: [{ name: ws, protocol: openai-responses, connection: ws-persistent }]
load: ${load}
timeout: 60
`;
    return runScenarioText(dir, name, yaml);
  }

  it('20 req/s with max_in_flight 1 for 4 s: TTFT p99 shows the queueing (> 1 s); a closed loop shows ≈ 200 ms', async () => {
    const open = await run('open', '{ kind: open, rate: 20, max_in_flight: 1, duration: 4 }');
    const v = open.result.variants[0];
    expect(v.counts.requests).toBe(80);
    expect(v.counts.ok).toBe(80);
    expect(v.metrics.ttft_ms!.p99).toBeGreaterThan(1000);
    expect(v.metrics.schedule_delay_ms!.p99).toBeGreaterThan(1000);
    // One request in flight at ~200 ms each: requests start at ~5/s whatever the 20/s asked for.
    expect(v.rate?.requested).toBe(20);
    expect(v.rate!.achieved).toBeGreaterThan(3);
    expect(v.rate!.achieved).toBeLessThan(6);
    const intended = open.lines.map((l) => l.intended_ms).sort((a, b) => a - b);
    expect(intended[79] - intended[0]).toBeCloseTo(79 * 50, 0);

    const closed = await run('closed', '{ kind: closed, concurrency: 1, requests: 10, warmup: 1 }');
    const c = closed.result.variants[0];
    expect(c.metrics.ttft_ms!.p50).toBeGreaterThanOrEqual(200);
    expect(c.metrics.ttft_ms!.p99).toBeLessThan(215);
    expect(c.metrics.schedule_delay_ms).toBeUndefined();
  });
});
