import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { WorkerPool } from '../../src/run/worker-pool.js';
import type { WorkerInit } from '../../src/run/worker-protocol.js';
import { tempDir } from '../cli/helpers.js';

/**
 * The pool against stand-in workers (plain JS: a worker thread cannot load TypeScript): each one logs
 * what it is told, runs `blocks` blocks per step through the barrier and hands over a fake part.
 * `die` makes the worker given it exit in the middle of a step.
 */
const STANDIN = `
import { parentPort, workerData } from 'node:worker_threads';
const { worker, blocks, die } = workerData;
const post = (m) => parentPort.postMessage(m);
let go;
parentPort.on('message', async (m) => {
  if (m.type === 'go') { const g = go; go = undefined; g(); }
  else if (m.type === 'stop') post({ type: 'log', line: 'stop ' + m.hard });
  else if (m.type === 'step') {
    for (let b = 0; b < blocks; b++) {
      await new Promise((r) => { go = r; post({ type: 'block' }); });
      post({ type: 'log', line: 'block ' + b + ' at ' + Date.now() });
      if (die === worker && b === 1) process.exit(3);
      await new Promise((r) => setTimeout(r, 20 * worker));
    }
    post({ type: 'lines', text: '{"worker":' + worker + '}\\n' });
    const variants = [{ name: 'a', done: worker }, { name: 'b', done: 10 * worker }];
    post({ type: 'status', done: 11 * worker, errors: worker - 1, variant: 'v' + worker, variants });
    post({ type: 'step-done' });
  } else if (m.type === 'finish') {
    post({ type: 'result', part: { steps: [], done: true, failed: [], client: { worker }, targetUrl: 'x' } });
    parentPort.close();
  }
});
post({ type: 'ready' });
`;

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const script = path.join(dir, 'standin.mjs');
writeFileSync(script, STANDIN);

function pool(n: number, extra: Record<string, unknown>) {
  const logs: string[] = [];
  const lines: string[] = [];
  const inits = Array.from({ length: n }, (_, i) => ({ worker: i + 1, ...extra }) as unknown as WorkerInit);
  const p = new WorkerPool(inits, { lines: (t) => lines.push(t), log: (l) => logs.push(l) }, pathToFileURL(script));
  return { p, logs, lines };
}

/** `worker w: block b at t` → [w, b, t]. */
const blockLogs = (logs: string[]) =>
  logs
    .filter((l) => l.includes('block'))
    .map((l) => /^worker (\d+): block (\d+) at (\d+)$/.exec(l)!.slice(1).map(Number) as [number, number, number]);

describe('WorkerPool', () => {
  it('starts each block in every worker together, although the workers run at different speeds', async () => {
    const { p, logs, lines } = pool(3, { blocks: 4 });
    await p.step(0, { url: 'http://127.0.0.1:1' });
    const starts = blockLogs(logs);
    expect(starts).toHaveLength(12);
    // Worker 3 takes 60 ms a block and worker 1 20 ms: without the barrier worker 1 would be blocks ahead.
    for (let b = 0; b < 4; b++) {
      const ofBlock = starts.filter(([, k]) => k === b).map(([, , t]) => t);
      const next = starts.filter(([, k]) => k === b + 1).map(([, , t]) => t);
      expect(ofBlock).toHaveLength(3);
      if (next.length > 0) expect(Math.min(...next)).toBeGreaterThanOrEqual(Math.max(...ofBlock) + 55);
    }
    expect(lines.sort()).toEqual(['{"worker":1}\n', '{"worker":2}\n', '{"worker":3}\n']);
    const parts = await p.finish();
    expect(parts.map((x) => (x.client as unknown as { worker: number }).worker).sort()).toEqual([1, 2, 3]);
    expect(p.failures).toEqual([]);
  });

  it("adds up the workers' progress, per variant too", async () => {
    const { p } = pool(2, { blocks: 1 });
    await p.step(0, { url: 'http://127.0.0.1:1' });
    expect(p.status()).toEqual({
      done: 33,
      errors: 1,
      variant: '',
      variants: [
        { name: 'a', done: 3 },
        { name: 'b', done: 30 },
      ],
    });
    await p.finish();
  });

  it('a worker that dies is a failure, and the others finish the step and hand over their parts', async () => {
    const { p, logs } = pool(2, { blocks: 4, die: 2 });
    await p.step(0, { url: 'http://127.0.0.1:1' });
    // Worker 1 goes on alone after worker 2 exits in its second block.
    expect(blockLogs(logs).filter(([w]) => w === 1)).toHaveLength(4);
    expect(p.failures).toEqual(['worker 2 failed: exited (code 3) before handing over its figures']);
    const parts = await p.finish();
    expect(parts).toHaveLength(1);
    // A next step runs on the survivors only.
    const again = pool(1, { blocks: 2, die: 1 });
    await again.p.step(0, { url: 'http://127.0.0.1:1' });
    await expect(again.p.step(1, { url: 'http://127.0.0.1:1' })).rejects.toThrow(/every worker failed/);
    await again.p.finish();
  });

  it('passes a stop to every live worker, soft or hard', async () => {
    const { p, logs } = pool(2, { blocks: 1 });
    await p.step(0, { url: 'http://127.0.0.1:1' });
    p.stop(false);
    p.stop(true);
    expect(await p.finish()).toHaveLength(2);
    expect(logs.filter((l) => l.includes('stop')).sort()).toEqual([
      'worker 1: stop false',
      'worker 1: stop true',
      'worker 2: stop false',
      'worker 2: stop true',
    ]);
  });
});
