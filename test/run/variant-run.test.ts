import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Scenario } from '../../src/scenario/schema.js';
import { type RunningServer, type ServerStats, startServer } from '../../src/server/index.js';
import { BufferedFeed } from '../../src/workload/feed.js';
import { buildRuns, type BuiltRun, type RunOptions, scenarioOf } from './helpers.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ ttftMs: 2, tps: 20_000, outputTokens: 4 });
});
afterAll(() => server.close());

function scenario(load: string, connection = 'http-keepalive', extra = ''): Scenario {
  return scenarioOf(`name: t
target: embedded
request: { prompt_tokens: 8, max_output_tokens: 4 }
variants:
  - { name: v, protocol: openai-responses, connection: ${connection} }
load: ${load}
${extra}`);
}

/** The scenario's one variant, built as the runner builds it. */
function one(s: Scenario, opts: RunOptions = {}): BuiltRun {
  return buildRuns(s, server.url, opts)[0];
}

/** What the server saw while `f` ran. */
async function delta(f: () => Promise<void>): Promise<ServerStats> {
  const before = server.stats();
  await f();
  const after = server.stats();
  return Object.fromEntries(
    Object.entries(after).map(([k, v]) => [
      k,
      typeof v === 'number' ? v - (before[k as keyof ServerStats] as number) : v,
    ]),
  ) as ServerStats;
}

describe('VariantRun: closed loads across blocks', () => {
  it('warms up in its first block only, measures at most a block, and is done once the load is measured', async () => {
    const { run, lines } = one(scenario('{ kind: closed, concurrency: 2, requests: 5, warmup: 2 }', 'ws-persistent'));
    let measuring = 0;
    const seen = await delta(async () => {
      try {
        await run.block(3, Infinity, () => measuring++);
        expect(run.rec).toMatchObject({ warmup: 2, requests: 3, ok: 3 });
        expect(lines.filter((l) => l.warmup)).toHaveLength(2);
        expect(run.done).toBe(false);
        run.rec.endBlock();
        // More than is left: only the 2 left are measured, with no warm-up this time.
        await run.block(3, Infinity, () => measuring++);
        expect(run.rec).toMatchObject({ warmup: 2, requests: 5, ok: 5 });
        expect(run.done).toBe(true);
      } finally {
        await run.close();
      }
    });
    expect(measuring).toBe(2); // once per block, when its first measured request starts
    // requests.jsonl numbering continues over the blocks: 7 requests, 0…6, each once.
    expect(lines.map((l) => l.i).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Warm-up takes the first numbers: it runs before anything is measured.
    expect(
      lines
        .filter((l) => l.warmup)
        .map((l) => l.i)
        .sort(),
    ).toEqual([0, 1]);
    expect(lines.every((l) => l.ok && l.variant === 'v')).toBe(true);
    // The users' WebSockets are opened once and kept from one block to the next.
    expect(seen.wsConnections).toBe(2);
    expect(seen.wsTurns).toBe(7);
    expect(run.failure).toBeUndefined();
  });

  it('stopping() ends a block early and leaves the variant not done', async () => {
    let stop = false;
    const { run, lines } = one(scenario('{ kind: closed, concurrency: 1, requests: 50 }'), {
      stopping: () => stop || (stop = lines.length >= 3),
    });
    try {
      await run.block(Infinity, Infinity, () => {});
    } finally {
      await run.close();
    }
    expect(run.rec.requests).toBe(3);
    expect(run.done).toBe(false);
  });

  it('a duration load spends its seconds block by block and is done when they are spent', async () => {
    const { run } = one(scenario('{ kind: closed, concurrency: 1, duration: 0.4 }'));
    try {
      await run.block(Infinity, 0.25, () => {});
      run.rec.endBlock();
      const first = run.rec.requests;
      expect(first).toBeGreaterThan(0);
      expect(run.done).toBe(false);
      await run.block(Infinity, 0.25, () => {}); // only 0.15 s are left
      run.rec.endBlock();
      expect(run.rec.requests).toBeGreaterThan(first);
      expect(run.done).toBe(true);
    } finally {
      await run.close();
    }
    // Each block measures until its span is over, so the window is at least the load's 0.4 s; a block
    // that ignored the span would run forever (requests: unbounded) or far longer.
    expect(run.rec.windowSeconds).toBeGreaterThanOrEqual(0.39);
    expect(run.rec.windowSeconds).toBeLessThan(2);
  });
});

describe('VariantRun: other loads', () => {
  it('runs an open load whole in one block, whatever the block asks', async () => {
    const { run, lines } = one(scenario('{ kind: open, rate: 200, requests: 6, warmup: 2 }'));
    try {
      await run.block(1, 0.001, () => {});
    } finally {
      await run.close();
    }
    expect(run.rec).toMatchObject({ requests: 6, ok: 6, warmup: 2 });
    expect(lines.map((l) => l.i).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(
      lines
        .filter((l) => l.warmup)
        .map((l) => l.i)
        .sort(),
    ).toEqual([0, 1]);
    expect(run.done).toBe(true);
  });

  it('a session load counts sessions per block, and their numbers and requests continue over blocks', async () => {
    const s = scenario('{ kind: session, concurrency: 1, sessions: 3, turns: 2, warmup: 1 }', 'ws-persistent');
    const { run, lines } = one(s);
    try {
      await run.block(2, Infinity, () => {});
      run.rec.endBlock();
      expect(run.rec.sessions).toEqual({ total: 2, ok: 2, interrupted: 0 });
      expect(run.done).toBe(false);
      await run.block(2, Infinity, () => {});
      run.rec.endBlock();
    } finally {
      await run.close();
    }
    expect(run.rec.sessions).toEqual({ total: 3, ok: 3, interrupted: 0 });
    expect(run.done).toBe(true);
    // 1 warm-up + 3 measured sessions of 2 turns each.
    expect(lines).toHaveLength(8);
    expect(lines.map((l) => l.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(lines.map((l) => `${l.session}.${l.turn}`)).toEqual([
      '0.0',
      '0.1',
      '1.0',
      '1.1',
      '2.0',
      '2.1',
      '3.0',
      '3.1',
    ]);
    expect(lines.map((l) => l.warmup)).toEqual([true, true, false, false, false, false, false, false]);
  });
});

describe('VariantRun: a feed that fails', () => {
  /** A feed of `first` items whose next read fails: a dataset file that went away. */
  function failingFeed(first: number, until?: () => boolean): BufferedFeed<number> {
    let reads = 0;
    return new BufferedFeed<number>(
      async (count) => {
        if (reads++ === 0) return Array.from({ length: Math.min(first, count) }, (_, i) => i);
        // `until`: the failure comes only once it holds (the items already read are used up).
        while (until !== undefined && !until()) await new Promise((r) => setTimeout(r, 2));
        throw new Error('dataset.jsonl: ENOENT');
      },
      () => ({ prompt: 'hello there', maxOutputTokens: 4 }),
    );
  }

  it('ends the variant with the failure when the load has to wait for the failing read; what it measured stands', async () => {
    let lines: readonly unknown[] = [];
    const built = one(scenario('{ kind: closed, concurrency: 1, requests: 20 }'), {
      feed: failingFeed(2, () => lines.length >= 2),
    });
    lines = built.lines;
    const { run } = built;
    try {
      await run.block(Infinity, Infinity, () => {});
    } finally {
      await run.close();
    }
    expect(run.failure).toMatch(/ENOENT/);
    expect(run.done).toBe(true);
    expect(run.rec).toMatchObject({ requests: 2, ok: 2 });
  });

  // The read-ahead usually fails long before the buffer runs out: the loop must not take the empty
  // buffer for the end of the dataset, or the variant would look done and the run complete.
  it('ends the variant with the failure also when the read-ahead failed before the buffer ran out', async () => {
    const { run } = one(scenario('{ kind: closed, concurrency: 1, requests: 20 }'), { feed: failingFeed(3) });
    try {
      await run.block(Infinity, Infinity, () => {});
    } finally {
      await run.close();
    }
    expect(run.rec.requests).toBe(3);
    expect(run.failure).toMatch(/ENOENT/);
  });

  // A block that ended at the first failing user would leave the others' requests on the wire, to be
  // committed later — overlapping the next variant's block, or cut by close() at the end.
  it('returns from a failed block only once the requests it started have ended', async () => {
    // A long stream (4000 tokens at 10 000/s: 0.4 s) next to a short one whose user then hits the failure.
    const slow = await startServer({ ttftMs: 2, tps: 10_000, outputTokens: 4000 });
    let ended: readonly unknown[] = [];
    let reads = 0;
    const feed = new BufferedFeed<number>(
      async () => {
        if (reads++ === 0) return [2, 4000];
        while (ended.length < 1) await new Promise((r) => setTimeout(r, 2));
        throw new Error('dataset.jsonl: ENOENT');
      },
      (n) => ({ prompt: 'hello there', maxOutputTokens: n }),
    );
    const built = buildRuns(scenario('{ kind: closed, concurrency: 2, requests: 20 }'), slow.url, { feed })[0];
    ended = built.lines;
    try {
      await built.run.block(Infinity, Infinity, () => {});
      expect(built.run.failure).toMatch(/ENOENT/);
      // Every request the server was sent has ended (been committed) by the time the block returns.
      expect(built.lines).toHaveLength(slow.stats().httpRequests);
    } finally {
      await built.run.close();
      await slow.close();
    }
  });
});
