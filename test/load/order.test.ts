import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Result } from '../../src/result/result.js';
import { assertBuilt, runScenarioText } from '../cli/helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-order-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Line {
  variant: string;
  i: number;
  warmup: boolean;
}

async function run(name: string, extra: string): Promise<{ result: Result; lines: Line[] }> {
  const yaml = `name: ${name}
target: embedded
server: { ttft_ms: 5, tps: 5000, output_tokens: 5 }
request: { prompt_tokens: 8, max_output_tokens: 5 }
variants:
  - { name: a, protocol: openai-responses, connection: http-keepalive }
  - { name: b, protocol: openai-responses, connection: ws-persistent }
  - { name: c, protocol: openai-chat, connection: http-fresh }
load: { kind: closed, concurrency: 1, requests: 6, warmup: 1 }
${extra}
`;
  return runScenarioText<Line>(dir, name, yaml, 30_000);
}

/** The variant of each run of consecutive lines: "aabb" → ["a", "b"]. */
const runsOf = (lines: Line[]): string[] =>
  lines.map((l) => l.variant).filter((v, i, all) => i === 0 || all[i - 1] !== v);

describe('variant order', () => {
  it('interleaved (the default): the variants alternate in blocks, each keeps its numbering and counts', async () => {
    const { result, lines } = await run('interleaved', 'block: 2');
    // Block 1 carries the warm-up: 1 + 2 lines, then 2 per block.
    expect(runsOf(lines)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
    for (const v of ['a', 'b', 'c']) {
      expect(lines.filter((l) => l.variant === v).map((l) => l.i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    }
    for (const v of result.variants) expect(v.counts, v.name).toMatchObject({ requests: 6, ok: 6, warmup: 1 });
    // The persistent WebSocket survived the other variants' blocks: no connection opened while measuring.
    expect(result.variants.find((v) => v.name === 'b')!.connections.opened).toBe(0);
    expect(result.variants.find((v) => v.name === 'c')!.connections.opened).toBe(6);
  });

  it('sequential: one variant after another', async () => {
    const { lines } = await run('sequential', 'order: sequential\nblock: 2');
    expect(runsOf(lines)).toEqual(['a', 'b', 'c']);
  });

  it('random: blocks in a seeded order that a re-run repeats', async () => {
    const sequence = (lines: Line[]) => lines.map((l) => l.variant).join('');
    const first = sequence((await run('random1', 'order: random\nblock: 2\nseed: 5')).lines);
    const again = sequence((await run('random2', 'order: random\nblock: 2\nseed: 5')).lines);
    expect(again).toBe(first);
    expect(first).not.toBe('aaabbbcccaabbccaabbcc'); // not the interleaved order
    for (const v of 'abc') expect(first.split(v).length - 1).toBe(7);
  });
});
