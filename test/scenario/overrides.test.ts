import { describe, expect, it } from 'vitest';

import { type LoadedScenario, parseScenario } from '../../src/scenario/load.js';
import { applyOverrides } from '../../src/scenario/overrides.js';
import { ScenarioError } from '../../src/shared/input-error.js';

const embedded = (): LoadedScenario =>
  parseScenario(
    `name: t
target: embedded
server:
  tps: 5000
variants:
  - protocol: openai-responses
    connection: ws-persistent
load:
  kind: closed
  concurrency: 2
  duration: 10
`,
    'o.yaml',
    {},
  );

function overrideError(loaded: LoadedScenario, flags: Parameters<typeof applyOverrides>[1]): string {
  try {
    applyOverrides(loaded, flags);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('expected a ScenarioError');
}

describe('applyOverrides', () => {
  it('returns the scenario unchanged without flags', () => {
    const loaded = embedded();
    expect(applyOverrides(loaded, {})).toEqual(loaded.scenario);
  });

  it('--requests replaces the duration and --duration replaces the requests', () => {
    const loaded = embedded();
    const byCount = applyOverrides(loaded, { requests: 7 });
    expect(byCount.load).toEqual({
      kind: 'closed',
      concurrency: 2,
      warmup: 0,
      ramp_up: 0,
      requests: 7,
      duration: undefined,
    });
    const byTime = applyOverrides({ ...loaded, scenario: byCount }, { duration: 3 });
    expect(byTime.load).toMatchObject({ requests: undefined, duration: 3 });
  });

  it('--concurrency', () => {
    expect(applyOverrides(embedded(), { concurrency: 64 }).load).toMatchObject({ concurrency: 64 });
  });

  it('a --target URL replaces embedded and drops the server options', () => {
    const scenario = applyOverrides(embedded(), { target: 'wss://api.example.com/v1' });
    expect(scenario.target).toBe('wss://api.example.com/v1');
    expect(scenario.server).toBeUndefined();
  });

  it('--target embedded on a URL scenario brings the server defaults', () => {
    const loaded = { ...embedded(), scenario: applyOverrides(embedded(), { target: 'http://127.0.0.1:9' }) };
    expect(applyOverrides(loaded, { target: 'embedded' }).server).toMatchObject({ tps: 1000, ttft_ms: 150 });
  });

  it('does not modify the loaded scenario', () => {
    const loaded = embedded();
    const before = structuredClone(loaded.scenario);
    applyOverrides(loaded, { target: 'http://x.test', requests: 1, concurrency: 9 });
    expect(loaded.scenario).toEqual(before);
  });

  it('an invalid value names the flag', () => {
    expect(overrideError(embedded(), { concurrency: 0 })).toBe('--concurrency: expected a number >= 1, got 0');
    expect(overrideError(embedded(), { requests: 1.5 })).toBe('--requests: expected an integer, got 1.5');
    expect(overrideError(embedded(), { duration: Number.NaN })).toBe('--duration: expected a number, got NaN');
    expect(overrideError(embedded(), { target: 'api.example.com' })).toBe(
      '--target: expected "embedded" or an http(s):// or ws(s):// URL, got "api.example.com"',
    );
  });

  it('--requests and --duration together are an error', () => {
    expect(overrideError(embedded(), { requests: 1, duration: 1 })).toBe(
      '--duration: cannot be combined with --requests (got --requests 1)',
    );
  });
});
