import { describe, expect, it } from 'vitest';

import type { Connection, RequestInput, RequestRecord, SessionOutcome } from '../../src/core/types.js';
import { runSessions, type SessionLoad } from '../../src/load/session.js';
import type { Timeline } from '../../src/metrics/timeline.js';
import { fixedWork } from './helpers.js';

/**
 * A fake agent endpoint on a fake clock: every turn takes 1 ms, answers with a response id of its own
 * and, when a tool is required, one function call; it remembers what each turn sent.
 */
class FakeAgent implements Connection {
  readonly sent: RequestInput[] = [];
  private n = 0;
  constructor(
    private readonly clock: { t: number },
    private readonly behave: (req: RequestInput, rec: RequestRecord, n: number) => boolean = () => true,
  ) {}
  async exchange(req: RequestInput, rec: RequestRecord): Promise<void> {
    this.sent.push(req);
    const n = this.n++;
    await Promise.resolve();
    this.clock.t += 1e6;
    rec.ack(this.clock.t);
    rec.delta(this.clock.t, 'text', 'x', undefined);
    if (!this.behave(req, rec, n)) return;
    if (req.tool === 'required') rec.toolCall({ callId: `call_${n}`, name: 'lookup', arguments: '{"query":"q"}' });
    rec.done(this.clock.t, `resp_${n}`);
  }
  async close(): Promise<void> {}
}

const input: RequestInput = { model: 'm', prompt: 'the task', maxOutputTokens: 8, extra: {} };

function load(over: Partial<SessionLoad> = {}): SessionLoad {
  return {
    concurrency: 1,
    requests: 1,
    warmup: 0,
    ramp_up: 0,
    turns: 4,
    history: 'chain',
    tool_time: 0,
    seed: 1,
    ...over,
  };
}

async function run(l: SessionLoad, agent?: (clock: { t: number }) => FakeAgent, store = true) {
  const clock = { t: 1, now: () => clock.t };
  const connections = Array.from({ length: l.concurrency }, () => agent?.(clock) ?? new FakeAgent(clock));
  const turns: Timeline[] = [];
  const sessions: { s: SessionOutcome; warmup: boolean }[] = [];
  await runSessions({
    connections,
    work: fixedWork(input),
    load: l,
    store,
    toolOutput: 'tool says hi',
    firstSession: 0,
    timeoutMs: 1000,
    clock,
    stopping: () => false,
    keepText: () => false,
    onDone: (tl) => turns.push(tl),
    onSession: (s, _i, warmup) => sessions.push({ s, warmup }),
  });
  return { connections, turns, sessions };
}

describe('agent-loop sessions', () => {
  it('chains each turn to the previous response and sends only the new items', async () => {
    const { connections, sessions, turns } = await run(load({ turns: 4 }));
    const sent = connections[0].sent;
    expect(sent).toHaveLength(4);
    expect(sent[0].items).toEqual([{ kind: 'user', text: 'the task' }]);
    expect(sent[0].previousResponseId).toBeUndefined();
    for (let k = 1; k < 4; k++) {
      expect(sent[k].previousResponseId).toBe(`resp_${k - 1}`);
      expect(sent[k].items).toEqual([{ kind: 'output', callId: `call_${k - 1}`, output: 'tool says hi' }]);
      expect(sent[k].store).toBe(true);
    }
    expect(sent.map((r) => r.tool)).toEqual(['required', 'required', 'required', 'none']);
    expect(turns.map((t) => [t.session, t.turn])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
    expect(sessions).toEqual([
      { s: { start: 1, end: 1 + 4e6, turns: 4, ok: true, interrupted: false }, warmup: false },
    ]);
  });

  it('full history resends the whole conversation, without ids or storage', async () => {
    const { connections } = await run(load({ turns: 3, history: 'full' }));
    const sent = connections[0].sent;
    expect(sent.every((r) => r.previousResponseId === undefined && r.store === false)).toBe(true);
    expect(sent[2].items).toEqual([
      { kind: 'user', text: 'the task' },
      { kind: 'call', call: { callId: 'call_0', name: 'lookup', arguments: '{"query":"q"}' } },
      { kind: 'output', callId: 'call_0', output: 'tool says hi' },
      { kind: 'call', call: { callId: 'call_1', name: 'lookup', arguments: '{"query":"q"}' } },
      { kind: 'output', callId: 'call_1', output: 'tool says hi' },
    ]);
  });

  it('a failed turn ends its session and the count of turns says where', async () => {
    const failing = (clock: { t: number }) =>
      new FakeAgent(clock, (_req, rec, n) => {
        if (n !== 2) return true;
        rec.error(clock.t, 'http_status', 'previous_response_not_found', 'gone');
        return false;
      });
    const { connections, sessions } = await run(load({ turns: 5, requests: 2 }), failing);
    // Session 1 fails on its third turn; session 2 runs whole on the same connection.
    expect(connections[0].sent).toHaveLength(3 + 5);
    expect(sessions.map((x) => [x.s.ok, x.s.turns])).toEqual([
      [false, 2],
      [true, 5],
    ]);
  });

  it('a turn that ignores tool_choice fails as no_tool_call instead of sending a broken next turn', async () => {
    // An endpoint that never calls tools: the fake only calls when asked with `required`.
    const noTools = (clock: { t: number }) => new FakeAgent(clock, (req) => ((req.tool = 'none'), true));
    const { turns, sessions } = await run(load({ turns: 3 }), noTools);
    expect(turns).toHaveLength(1);
    expect(turns[0].ok).toBe(false);
    expect([turns[0].errorClass, turns[0].errorCode]).toEqual(['protocol', 'no_tool_call']);
    expect(sessions[0].s).toMatchObject({ ok: false, turns: 0 });
  });

  it('counts sessions, not requests, and warms every user up with a whole session', async () => {
    const { turns, sessions } = await run(load({ concurrency: 3, requests: 4, warmup: 1, turns: 2 }));
    expect(sessions.filter((x) => x.warmup)).toHaveLength(3);
    expect(sessions.filter((x) => !x.warmup)).toHaveLength(4);
    expect(turns).toHaveLength(7 * 2);
  });

  it('waits the tool time between turns', async () => {
    const started = performance.now();
    const { sessions } = await run(load({ turns: 3, tool_time: 0.05 }));
    // Two tool waits of 50 ms: real timers (the fake clock only times the turns).
    expect(performance.now() - started).toBeGreaterThanOrEqual(99);
    expect(sessions[0].s.ok).toBe(true);
  });
});
