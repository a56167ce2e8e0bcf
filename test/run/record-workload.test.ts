import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';

import { Timeline } from '../../src/metrics/timeline.js';
import { SessionLog } from '../../src/run/record-workload.js';

const MS = 1e6;

/** An answer from `start` ms to `end` ms: `deltas` deltas, the endpoint's usage, its id. */
function answer(start: number, end: number, usage: [number, number], id: string, deltas = 3): Timeline {
  const tl = new Timeline(start * MS, start * MS);
  for (let i = 0; i < deltas; i++) tl.delta((start + 1 + i) * MS, 'text', 'x', undefined);
  tl.usage(usage[0], usage[1], undefined);
  tl.done(end * MS, id);
  return tl;
}

const body = (o: object): Buffer => Buffer.from(JSON.stringify(o));

interface Line {
  messages: { role: string; content: string }[];
  wirebench: { gaps_ms: number[]; interrupts?: { turn: number; after_tokens: number; after_ms: number }[] };
}

describe('SessionLog', () => {
  it('follows previous_response_id chains, counting each turn’s new input and keeping cut answers aside', () => {
    const log = new SessionLog();
    log.add(answer(0, 100, [10, 5], 'r1'), body({ input: 'a' }));
    // Chained: the endpoint counts the context (10 + 5) in its input, so this turn added 7.
    log.add(answer(150, 200, [22, 4], 'r2'), body({ input: 'b', previous_response_id: 'r1' }));
    // The client cuts the next answer short after 2 deltas, 30 ms in.
    const cut = new Timeline(260 * MS, 260 * MS);
    cut.delta(270 * MS, 'text', 'x', undefined);
    cut.delta(275 * MS, 'text', 'x', undefined);
    cut.cancel(290 * MS);
    log.add(cut, body({ input: 'c', previous_response_id: 'r2' }));
    log.add(answer(300, 350, [30, 6], 'r3'), body({ input: 'd', previous_response_id: 'r2' }));
    // Unchained, and a body that is not JSON: each starts a session of its own.
    log.add(answer(400, 450, [8, 2], 'r4'), body({ input: 'e' }));
    log.add(answer(500, 550, [9, 3], 'r5'), Buffer.from('not json'));
    // A failure is not a turn.
    const failed = new Timeline(600 * MS, 600 * MS);
    failed.error(610 * MS, 'server_error', '500', 'boom');
    log.add(failed, body({ input: 'f', previous_response_id: 'r5' }));

    const lines = log.lines().map((l) => JSON.parse(l) as Line);
    const tokens = (l: Line): number[] => l.messages.map((m) => countTokens(m.content));
    expect(lines).toHaveLength(3);
    // Turn 3's input: 30 − (22 + 4).
    expect(tokens(lines[0])).toEqual([10, 5, 7, 4, 4, 6]);
    expect(lines[0].wirebench).toEqual({
      gaps_ms: [0, 50, 10],
      interrupts: [{ turn: 2, after_tokens: 2, after_ms: 30 }],
    });
    expect(tokens(lines[1])).toEqual([8, 2]);
    expect(tokens(lines[2])).toEqual([9, 3]);
    expect(lines[2].wirebench).toEqual({ gaps_ms: [0] });
  });
});
