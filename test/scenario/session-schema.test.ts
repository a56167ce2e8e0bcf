import { describe, expect, it } from 'vitest';

import { parseScenario } from '../../src/scenario/load.js';
import { applyOverrides } from '../../src/scenario/overrides.js';
import { scenarioFailure } from './helpers.js';

const scenario = (load: string, extra = '', protocol = 'openai-responses'): string => `name: t
target: embedded
variants:
  - { protocol: ${protocol}, connection: http-keepalive }
load: ${load}
${extra}`;

/** The message a scenario text is rejected with. */
const failure = (text: string): string => scenarioFailure(text).message;

describe('session loads, interrupts (scenario file)', () => {
  it('a session load gets its defaults: 10 sessions, chained, no tool time (turns: the agent loop default or the conversation)', () => {
    const parsed = parseScenario(scenario('{ kind: session }'), 's.yaml', {}).scenario;
    expect(parsed.load).toEqual({
      kind: 'session',
      concurrency: 1,
      sessions: 10,
      duration: undefined,
      warmup: 0,
      ramp_up: 0,
      history: 'chain',
      tool_time: 0,
      tool_output_tokens: 64,
      seed: 1,
    });
  });

  it('tool time may be a seeded distribution; a uniform one needs max >= min', () => {
    const ok = parseScenario(
      scenario('{ kind: session, tool_time: { distribution: exponential, mean: 0.2 } }'),
      's.yaml',
      {},
    );
    expect(ok.scenario.load).toMatchObject({ tool_time: { distribution: 'exponential', mean: 0.2 } });
    expect(failure(scenario('{ kind: session, tool_time: { distribution: uniform, min: 2, max: 1 } }'))).toMatch(
      /^bad\.yaml:\d+:\d+ load\.tool_time/,
    );
  });

  it('tool time may be the pauses a recorded conversation had, which needs the recording as its dataset', () => {
    const ok = parseScenario(
      scenario('{ kind: session, tool_time: recorded }', 'dataset: { path: rec/workload.jsonl }'),
      's.yaml',
      {},
    );
    expect(ok.scenario.load).toMatchObject({ tool_time: 'recorded' });
    expect(failure(scenario('{ kind: session, tool_time: recorded }'))).toMatch(
      /^bad\.yaml:\d+:\d+ load\.tool_time: recorded pauses come from a recorded conversation dataset/,
    );
  });

  it('refuses a protocol that cannot report function calls, at the variant', () => {
    expect(failure(scenario('{ kind: session }', '', 'openai-chat'))).toBe(
      'bad.yaml:4:17 variants[0].protocol: load.kind session needs a protocol that reports function calls (openai-responses); openai-chat does not',
    );
  });

  it('refuses more than 256 turns, and sessions together with a duration', () => {
    expect(failure(scenario('{ kind: session, turns: 257 }'))).toMatch(/load\.turns: expected .*256/);
    expect(failure(scenario('{ kind: session, sessions: 3, duration: 5 }'))).toMatch(
      /expected exactly one of sessions \/ duration/,
    );
  });

  it('--requests counts sessions for a session load', () => {
    const loaded = parseScenario(scenario('{ kind: session, duration: 30 }'), 's.yaml', {});
    expect(applyOverrides(loaded, { requests: 4 }).load).toMatchObject({
      kind: 'session',
      sessions: 4,
      duration: undefined,
    });
  });

  it('an interrupt applies to closed and open loads only', () => {
    const interrupt = 'interrupt: { after_tokens: 5, redirect: "stop" }';
    expect(parseScenario(scenario('{ kind: closed }', interrupt), 's.yaml', {}).scenario.interrupt).toEqual({
      after_tokens: 5,
      redirect: 'stop',
    });
    expect(failure(scenario('{ kind: session }', interrupt))).toMatch(
      /interrupt: interrupt applies to closed, open and trace loads, not to sessions/,
    );
  });
});
