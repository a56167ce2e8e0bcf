import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { readResult, ResultFileError } from '../../src/result/read.js';
import type { Result } from '../../src/result/result.js';
import { assertBuilt, type Json, runScenarioText, tempDir } from '../cli/helpers.js';
import { result, variant } from '../report/fixtures.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** A fixture result with real histograms, as `edit` leaves it, written to `<name>.json`. */
function written(name: string, edit: (r: Json) => void = () => {}): string {
  const variants = [variant('sse', { ttft_ms: 12, e2e_ms: 40 }), variant('ws', { ttft_ms: 6, e2e_ms: 30 })];
  const r: Json = JSON.parse(JSON.stringify(result(variants)));
  edit(r);
  const file = path.join(tmp.dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2));
  return file;
}

/** The message readResult refuses `file` with. */
function refusal(file: string): string {
  try {
    readResult(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ResultFileError);
    return (err as Error).message;
  }
  throw new Error(`${file} was accepted`);
}

describe('readResult', () => {
  it('reads a valid result as written', () => {
    const file = written('valid');
    expect(readResult(file)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });

  it('reads a definitions block (run --definitions), a tool this version does not know included', () => {
    const file = written('definitions', (r) => {
      r.variants[0].definitions = { vllm: { ttft_ms: r.variants[0].metrics.ttft_ms }, lmperf: { ttft_ms: 1 } };
    });
    const read = readResult(file);
    expect(read.variants[0].definitions?.vllm).toEqual({ ttft_ms: read.variants[0].metrics.ttft_ms });
    const bad = written('definitions-bad', (r) => (r.variants[0].definitions = { aiperf: { icl_ms: { count: 1 } } }));
    expect(refusal(bad)).toMatch(/variants\[0\]\.definitions\.aiperf\.icl_ms\.min: required field is missing/);
  });

  it('names the file and the path of a value of the wrong type', () => {
    const file = written('wrong-type', (r) => (r.variants[1].metrics.ttft_ms.p50 = '6'));
    expect(refusal(file)).toBe(`${file}: variants[1].metrics.ttft_ms.p50: expected number, got string`);
  });

  it('names a missing required field', () => {
    const file = written('missing', (r) => delete r.variants[0].counts.ok);
    expect(refusal(file)).toBe(`${file}: variants[0].counts.ok: required field is missing (expected number)`);
    const union = written('missing-union', (r) => (r.workload = { source: 'literal', prompts: 'identical', seed: 1 }));
    expect(refusal(union)).toBe(
      `${union}: workload.max_output_tokens: required field is missing (expected number | object)`,
    );
  });

  it('names a value outside an enumeration, and inside a union the branch that came closest', () => {
    const claim = {
      claim: 'c',
      metric: 'ttft_ms',
      baseline: 'sse',
      candidate: 'ws',
      claimed_reduction: 0.5,
      verdict: 'maybe',
      reason: '',
    };
    const verdict = written('verdict', (r) => (r.claims = [claim]));
    expect(refusal(verdict)).toBe(
      `${verdict}: claims[0].verdict: expected "supported" | "not supported" | "inconclusive", got "maybe"`,
    );
    const max_output_tokens = { distribution: 'uniform', min: 1, max: '9' };
    const length = written(
      'length',
      (r) => (r.workload = { source: 'synthesized', prompts: 'unique', max_output_tokens, seed: 1 }),
    );
    expect(refusal(length)).toBe(`${length}: workload.max_output_tokens.max: expected number, got string`);
    const sweep = written('sweep', (r) => (r.sweep = { param: 'load.concurrency', values: [1, null] }));
    expect(refusal(sweep)).toBe(`${sweep}: sweep.values[1]: expected number | string | boolean, got null`);
  });

  it('accepts only base64 text as a histogram', () => {
    const file = written('hdr', (r) => (r.variants[0].metrics.e2e_ms.hdr = 'HISTFAAAA?!'));
    expect(refusal(file)).toBe(`${file}: variants[0].metrics.e2e_ms.hdr: expected a base64 string, got "HISTFAAAA?!"`);
  });

  it('lists the first three problems and counts the rest', () => {
    const file = written('many', (r) => {
      for (const v of r.variants) Object.assign(v, { name: 1, window_s: null });
    });
    expect(refusal(file).split('\n')).toEqual([
      `${file}: variants[0].name: expected string, got number`,
      `${file}: variants[0].window_s: expected number, got null`,
      `${file}: variants[1].name: expected string, got number (and 1 more)`,
    ]);
  });

  it('refuses a truncated file as invalid JSON, naming it', () => {
    const file = path.join(tmp.dir, 'truncated.json');
    const text = readFileSync(written('whole'), 'utf8');
    writeFileSync(file, text.slice(0, text.length / 2));
    expect(refusal(file)).toMatch(
      new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}: not valid JSON, damaged or cut short \\(`),
    );
  });

  it('still refuses a file that is not a result, or is not there, as before', () => {
    const other = path.join(tmp.dir, 'other.json');
    writeFileSync(other, '[1, 2]');
    expect(refusal(other)).toBe(`${other}: not a wirebench result (schema undefined)`);
    expect(refusal(path.join(tmp.dir, 'nowhere'))).toMatch(/nowhere: cannot read a result \(ENOENT/);
  });

  it('accepts fields and metrics it does not know, and keeps them', () => {
    const file = written('newer', (r) => {
      r.future = { a: 1 };
      r.variants[0].future_count = 3;
      r.variants[0].metrics.future_ms = r.variants[0].metrics.ttft_ms;
      r.env.kernel = 'x';
    });
    const r = readResult(file) as Json;
    expect(r.future).toEqual({ a: 1 });
    expect(r.variants[0].future_count).toBe(3);
    expect(r.variants[0].metrics.future_ms).toEqual(r.variants[0].metrics.ttft_ms);
    expect(r.env.kernel).toBe('x');
  });
});

describe('readResult on results the CLI wrote', () => {
  it('accepts a sweep with claims, thresholds, an SLO and its workload, and a session run', async () => {
    assertBuilt();
    const dir = path.join(tmp.dir, 'runs');
    mkdirSync(dir);
    const common = `target: embedded
server: { ttft_ms: 5, tps: 5000, output_tokens: 5, http_overhead_ms: 5 }
request: { prompt_tokens: { distribution: uniform, min: 4, max: 12 }, max_output_tokens: 5 }
variants:
  - { name: sse, protocol: openai-responses, connection: http-keepalive }
  - { name: ws, protocol: openai-responses, connection: ws-persistent }
`;
    const sweep = await runScenarioText(
      dir,
      'sweep',
      `name: sweep
${common}load: { kind: closed, concurrency: 1, requests: 4, warmup: 1 }
slo: { ttft_ms: 10000 }
claims:
  - { claim: "ws halves overhead", metric: overhead_ms, baseline: sse, candidate: ws, reduction: 0.5 }
thresholds: { "*.errors.count": "== 0" }
sweep: { param: load.concurrency, values: [1, 2] }
`,
    );
    const sessions = await runScenarioText(
      dir,
      'sessions',
      `name: sessions
${common}load: { kind: session, concurrency: 1, sessions: 2, warmup: 0, turns: 2, tool_time: 0 }
`,
    );
    for (const [name, run] of [
      ['sweep', sweep],
      ['sessions', sessions],
    ] as const) {
      expect(readResult(path.join(dir, name))).toEqual(run.result);
    }
    // What the schema is meant to cover was in what it read.
    const r = sweep.result as Result;
    expect([r.steps?.length, r.steps?.[0].claims?.length, r.thresholds?.length, r.workload, r.client]).not.toContain(
      undefined,
    );
    expect(r.steps![0].variants[0].goodput).toBeDefined();
    expect((sessions.result as Result).variants[0].sessions).toBeDefined();
  }, 90_000);
});
