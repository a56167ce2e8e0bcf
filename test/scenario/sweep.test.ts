import { describe, expect, it } from 'vitest';

import type { Scenario } from '../../src/scenario/schema.js';
import { isIssues, type SweepIssue, type SweepStep, sweepSteps } from '../../src/scenario/sweep.js';
import { scenarioOf } from '../run/helpers.js';

const base = (extra = ''): Scenario =>
  scenarioOf(`name: t
target: embedded
variants:
  - { name: a, protocol: openai-responses, connection: http-keepalive }
load: { kind: closed, concurrency: 2, requests: 10 }
${extra}`);

function steps(s: Scenario): SweepStep[] {
  const out = sweepSteps(s);
  if (isIssues(out)) throw new Error(out.map((i) => i.message).join('\n'));
  return out;
}

describe('sweepSteps', () => {
  it('a scenario without a sweep is its one step', () => {
    const s = base();
    expect(sweepSteps(s)).toEqual([{ value: '', scenario: s }]);
  });

  it('one step per value, in order, each the scenario with the value set and no sweep left', () => {
    const s = base('sweep: { param: load.concurrency, values: [4, 1, 8] }');
    const out = steps(s);
    expect(out.map((st) => st.value)).toEqual([4, 1, 8]);
    expect(out.map((st) => st.scenario.load)).toEqual([4, 1, 8].map((c) => ({ ...s.load, concurrency: c })));
    for (const st of out) {
      expect(st.scenario.sweep).toBeUndefined();
      expect(st.scenario.variants).toEqual(s.variants);
    }
    // The scenario itself is left as it was.
    expect(s.load).toMatchObject({ concurrency: 2 });
    expect(s.sweep).toEqual({ param: 'load.concurrency', values: [4, 1, 8] });
  });

  it('validates each step again, so a value set where nothing was written gets the defaults around it', () => {
    const out = steps(base('sweep: { param: server.ttft_ms, values: [5, 50] }'));
    expect(out.map((st) => st.scenario.server?.ttft_ms)).toEqual([5, 50]);
    // The rest of the server block is the schema's defaults, as if `server: { ttft_ms: … }` were written.
    for (const st of out) expect(st.scenario.server).toMatchObject({ tps: 1000, output_tokens: 200, stamp: true });
  });

  it('setting one of two exclusive fields clears the other', () => {
    const s = base('request: { prompt_tokens: 16 }\nsweep: { param: request.prompt, values: ["hello", "bye"] }');
    const out = steps(s);
    expect(out.map((st) => [st.scenario.request.prompt, st.scenario.request.prompt_tokens])).toEqual([
      ['hello', undefined],
      ['bye', undefined],
    ]);
    const back = steps(base('request: { prompt: hi }\nsweep: { param: request.prompt_tokens, values: [8] }'));
    expect([back[0].scenario.request.prompt, back[0].scenario.request.prompt_tokens]).toEqual([undefined, 8]);
  });

  it('a value that makes an invalid scenario is reported at its place in sweep.values, with what is wrong', () => {
    const s = base();
    const bad = { ...s, sweep: { param: 'load.concurrency', values: [2, 0, 3, 'x'] } };
    const out = sweepSteps(bad);
    expect(isIssues(out)).toBe(true);
    const issues = out as SweepIssue[];
    expect(issues.map((i) => i.path)).toEqual(['sweep.values[1]', 'sweep.values[3]']);
    expect(issues.map((i) => i.dataPath)).toEqual([
      ['sweep', 'values', 1],
      ['sweep', 'values', 3],
    ]);
    expect(issues[0].message).toMatch(/^load\.concurrency = 0 makes an invalid scenario: load\.concurrency: /);
    expect(issues[1].message).toMatch(/^load\.concurrency = "x" makes an invalid scenario: load\.concurrency: /);
  });

  it('isIssues tells steps from problems', () => {
    expect(isIssues(steps(base()))).toBe(false);
    expect(isIssues([])).toBe(false);
  });
});
