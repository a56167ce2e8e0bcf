import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ClientMonitor } from '../../src/metrics/client-monitor.js';
import type { RequestLine } from '../../src/result/requests/line.js';
import { type InterleaveHooks, runInterleaved } from '../../src/run/interleave.js';
import type { VariantRun } from '../../src/run/variant-run.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { buildRuns, scenarioOf, stretches, variantsYaml } from './helpers.js';

/**
 * A stand-in for a VariantRun that keeps its contract with the scheduler: each block measures at most
 * `requests` of the units it has left (all of them for an unbounded block) and it is done once none are
 * left. Everything the scheduler does to it goes into a shared log.
 */
class FakeRun {
  readonly variant: { name: string };
  readonly blocks: { requests: number; seconds: number }[] = [];
  done = false;
  readonly rec: { endBlock: () => void };

  constructor(
    name: string,
    private left: number,
    private readonly log: string[],
    private readonly opts: { measures?: boolean; during?: () => void } = {},
  ) {
    this.variant = { name };
    this.rec = { endBlock: () => log.push(`end ${name}`) };
  }

  async block(requests: number, seconds: number, onMeasuring: () => void): Promise<void> {
    this.blocks.push({ requests, seconds });
    this.log.push(`block ${this.variant.name}`);
    await new Promise((r) => setImmediate(r));
    if (this.opts.measures !== false) onMeasuring();
    this.opts.during?.();
    this.left -= Math.min(requests, this.left);
    this.done = this.left <= 0;
  }
}

interface Schedule {
  /** Variant names in the order their blocks ran. */
  order: string;
  /** Names in the order the scheduler said they were done. */
  finished: string;
  log: string[];
  runs: FakeRun[];
}

async function schedule(
  s: Scenario,
  units: Record<string, number>,
  opts: { stopping?: () => boolean; fake?: (name: string, log: string[]) => FakeRun | undefined } = {},
): Promise<Schedule> {
  const log: string[] = [];
  const runs = Object.entries(units).map(([name, n]) => opts.fake?.(name, log) ?? new FakeRun(name, n, log));
  const finished: string[] = [];
  const monitor = { resume: () => log.push('resume'), pause: () => log.push('pause') } as unknown as ClientMonitor;
  const hooks: InterleaveHooks = {
    stopping: opts.stopping ?? (() => false),
    monitor,
    onBlock: (r) => log.push(`onBlock ${r.variant.name}`),
    onVariantDone: (r) => {
      finished.push(r.variant.name);
      log.push(`done ${r.variant.name}`);
    },
  };
  await runInterleaved(s, runs as unknown as VariantRun[], hooks);
  const order = log
    .filter((l) => l.startsWith('block '))
    .map((l) => l.slice(6))
    .join('');
  return { order, finished: finished.join(''), log, runs };
}

const closed = (load: string, extra = '', names = ['a', 'b', 'c']): Scenario =>
  scenarioOf(`name: t
target: embedded
variants:
${variantsYaml(names)}
load: ${load}
${extra}`);

/** The blocks, grouped by round: a new round starts whenever a variant shows up again. */
function rounds(order: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const v of order) {
    if (cur.includes(v)) {
      out.push(cur);
      cur = '';
    }
    cur += v;
  }
  if (cur !== '') out.push(cur);
  return out;
}

describe('runInterleaved: blocks and rounds', () => {
  it('alternates the unfinished variants in rounds, in the order written, until each has run its load', async () => {
    // Blocks of 20 (the default for one user): a needs one, b three, c two.
    const r = await schedule(closed('{ kind: closed, concurrency: 1, requests: 10 }'), { a: 20, b: 50, c: 40 });
    expect(r.order).toBe('abcbcb');
    expect(r.finished).toBe('acb');
    for (const run of r.runs) for (const b of run.blocks) expect(b).toEqual({ requests: 20, seconds: 2 });
  });

  it('sizes a closed block at 4 × concurrency, at least 20, unless the scenario sets `block`', async () => {
    const sizeOf = async (load: string, extra = ''): Promise<number> => {
      const r = await schedule(closed(load, extra, ['a']), { a: 1 });
      return r.runs[0].blocks[0].requests;
    };
    expect(await sizeOf('{ kind: closed, concurrency: 1 }')).toBe(20);
    expect(await sizeOf('{ kind: closed, concurrency: 5 }')).toBe(20);
    expect(await sizeOf('{ kind: closed, concurrency: 8 }')).toBe(32);
    expect(await sizeOf('{ kind: closed, concurrency: 8 }', 'block: 3')).toBe(3);
    // A session is many requests already: one session per user per block.
    expect(await sizeOf('{ kind: session, concurrency: 3 }')).toBe(3);
    expect(await sizeOf('{ kind: session, concurrency: 3 }', 'block: 7')).toBe(7);
  });

  it('gives a duration load blocks of two seconds', async () => {
    const r = await schedule(closed('{ kind: closed, concurrency: 2, duration: 5 }'), { a: 40, b: 40, c: 40 });
    expect(r.order).toBe('abcabc');
    for (const run of r.runs) expect(run.blocks.every((b) => b.seconds === 2 && b.requests === 20)).toBe(true);
  });

  it('order: sequential runs each variant whole, one after another, with unbounded blocks', async () => {
    const r = await schedule(closed('{ kind: closed, concurrency: 1 }', 'order: sequential\nblock: 2'), {
      a: 50,
      b: 30,
      c: 10,
    });
    expect(r.order).toBe('abc');
    expect(r.finished).toBe('abc');
    for (const run of r.runs) expect(run.blocks).toEqual([{ requests: Infinity, seconds: Infinity }]);
  });

  it('runs an open load whole, even when interleaving is asked for: an arrival schedule is one process', async () => {
    const r = await schedule(
      closed('{ kind: open, rate: 100, requests: 10 }', 'order: interleaved\nblock: 2'),
      { a: 10, b: 10 },
      {},
    );
    expect(r.order).toBe('ab');
    for (const run of r.runs) expect(run.blocks).toEqual([{ requests: Infinity, seconds: Infinity }]);
  });

  it('order: random shuffles every round with the seed: each round is one block per unfinished variant, a re-run repeats it', async () => {
    const s = closed('{ kind: closed, concurrency: 1 }', 'order: random\nblock: 1\nseed: 5', ['a', 'b', 'c', 'd']);
    const units = { a: 12, b: 12, c: 12, d: 6 };
    const first = await schedule(s, units);
    const again = await schedule(s, units);
    expect(again.order).toBe(first.order);
    const rs = rounds(first.order);
    expect(rs).toHaveLength(12);
    // d has its six blocks in the first six rounds, then drops out.
    rs.forEach((round, k) => expect([...round].sort().join(''), `round ${k}`).toBe(k < 6 ? 'abcd' : 'abc'));
    // Shuffled indeed: not every round in the written order (fixed seed: this cannot vary between runs).
    expect(rs.filter((round, k) => round !== (k < 6 ? 'abcd' : 'abc')).length).toBeGreaterThan(0);
    const other = await schedule({ ...s, seed: 6 }, units);
    expect(other.order).not.toBe(first.order);
  });
});

describe('runInterleaved: hooks', () => {
  it('announces each block, watches only its measured part, closes it, then says when the variant is done', async () => {
    const r = await schedule(
      closed('{ kind: closed, concurrency: 1 }', 'block: 1', ['a', 'b']),
      { a: 1, b: 2 },
      {
        // b's first block measures nothing (a block that only warms up): the monitor must not resume.
        fake: (name, l) => (name === 'b' ? new BFirstSilent(l) : undefined),
      },
    );
    expect(r.log).toEqual([
      'onBlock a',
      'block a',
      'resume',
      'pause',
      'end a',
      'done a',
      'onBlock b',
      'block b',
      'pause',
      'end b',
      'onBlock b',
      'block b',
      'resume',
      'pause',
      'end b',
      'done b',
    ]);
  });

  it('stops between blocks once stopping() says so: no new block, no round after, no variant declared done', async () => {
    let stop = false;
    const r = await schedule(
      closed('{ kind: closed, concurrency: 1 }', 'block: 1'),
      { a: 3, b: 3, c: 3 },
      {
        stopping: () => stop,
        fake: (name, log) => (name === 'b' ? new FakeRun('b', 3, log, { during: () => (stop = true) }) : undefined),
      },
    );
    expect(r.order).toBe('ab');
    expect(r.finished).toBe('');
    // The block that was running when the stop came is still closed and the monitor paused.
    expect(r.log.slice(-2)).toEqual(['pause', 'end b']);
  });

  it('runs nothing when the run is already stopping', async () => {
    const r = await schedule(closed('{ kind: closed, concurrency: 1 }'), { a: 3, b: 3 }, { stopping: () => true });
    expect(r.log).toEqual([]);
  });
});

/** b, whose first block is all warm-up (it never reports measuring) and whose second measures. */
class BFirstSilent extends FakeRun {
  private n = 0;
  constructor(log: string[]) {
    super('b', 2, log);
  }
  override async block(requests: number, seconds: number, onMeasuring: () => void): Promise<void> {
    const first = this.n++ === 0;
    await super.block(requests, seconds, first ? () => {} : onMeasuring);
  }
}

describe('runInterleaved with real variant runs', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ ttftMs: 2, tps: 20_000, outputTokens: 4 });
  });
  afterAll(() => server.close());

  it('alternates the variants on the wire, the first block carrying the warm-up, the WebSocket kept across blocks', async () => {
    const s = scenarioOf(`name: t
target: embedded
request: { prompt_tokens: 8, max_output_tokens: 4 }
variants:
  - { name: a, protocol: openai-responses, connection: http-keepalive }
  - { name: b, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 1, requests: 5, warmup: 1 }
block: 2
`);
    const all: RequestLine[] = [];
    const built = buildRuns(s, server.url, { all });
    const monitor = { resume: () => {}, pause: () => {} } as unknown as ClientMonitor;
    const done: string[] = [];
    try {
      await runInterleaved(
        s,
        built.map((b) => b.run),
        { stopping: () => false, monitor, onBlock: () => {}, onVariantDone: (r) => done.push(r.variant.name) },
      );
    } finally {
      await Promise.all(built.map((b) => b.run.close()));
    }
    // Blocks of 2, 2, 1 measured requests; the first has the warm-up request in front.
    expect(stretches(all)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    const perStretch = (v: string): number[] => {
      const sizes: number[] = [];
      all.forEach((l, i) => {
        if (l.variant !== v) return;
        if (i === 0 || all[i - 1].variant !== v) sizes.push(0);
        sizes[sizes.length - 1]++;
      });
      return sizes;
    };
    expect(perStretch('a')).toEqual([3, 2, 1]);
    expect(perStretch('b')).toEqual([3, 2, 1]);
    expect(done).toEqual(['a', 'b']);
    for (const { run, lines } of built) {
      expect(lines.map((l) => l.i)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(lines.map((l) => l.warmup)).toEqual([true, false, false, false, false, false]);
      expect(run.rec).toMatchObject({ requests: 5, ok: 5, warmup: 1 });
      expect(run.done).toBe(true);
    }
    // One WebSocket for b's six requests (three blocks, with a's blocks in between).
    expect(server.stats().wsConnections).toBe(1);
    expect(server.stats().wsTurns).toBe(6);
    expect(server.stats().httpRequests).toBe(6);
  });
});
