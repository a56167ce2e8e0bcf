import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Counted, countedAs, failureClass } from '../../src/result/requests/counted.js';
import type { RequestLine } from '../../src/result/requests/line.js';
import { type ReadOptions, readRequestLines } from '../../src/result/requests/read.js';
import { type Result, variantKey, type VariantResult } from '../../src/result/result.js';
import { assertBuilt, runScenarioText, tempDir } from '../cli/helpers.js';
import { lineText } from './line-fixture.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const line = (o: Record<string, unknown> = {}): string =>
  lineText({ phases: { firstDelta: 5 }, deltas: 1, output_tokens: 1, token_source: 'usage', ...o });

async function read(text: string, options?: ReadOptions): Promise<RequestLine[]> {
  const file = path.join(dir, 'requests.jsonl');
  writeFileSync(file, text);
  const out: RequestLine[] = [];
  for await (const l of readRequestLines(file, options)) out.push(l);
  return out;
}

describe('readRequestLines', () => {
  it('streams the request lines, past blank lines and CRLF endings, and across read chunks', async () => {
    expect(
      (await read([line({ i: 1 }), '', line({ i: 2 }) + '\r', line({ i: 3 }), ''].join('\n'))).map((l) => l.i),
    ).toEqual([1, 2, 3]);
    // Lines of ~1 kB over several 1 MiB chunks: none split or lost, and a damaged one is still found by its number.
    const pad = 'x'.repeat(1000);
    const many = Array.from({ length: 3000 }, (_, i) => line({ i, response_id: pad }));
    expect((await read(many.join('\n') + '\n')).map((l) => l.i)).toEqual(many.map((_, i) => i));
    many[2500] = many[2500].slice(0, 500);
    await expect(read(many.join('\n') + '\n')).rejects.toThrow(/requests\.jsonl:2501: not a request line: not JSON/);
  });

  it('stops on a damaged line mid-file, naming file and line and what is wrong', async () => {
    await expect(read([line(), 'not json', line()].join('\n'))).rejects.toThrow(
      /requests\.jsonl:2: not a request line: not JSON \(/,
    );
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ variant: 3 }, /no variant name/],
      [{ step: -1 }, /step is not a step number/],
      [{ ok: 'yes' }, /ok is not true or false/],
      [{ start_ms: null }, /start_ms is not a number/],
      [{ phases: { firstDelta: '5' } }, /phases are not all numbers/],
      [{ reasoning_tokens: 'many' }, /reasoning_tokens is not a number/],
      [{ token_ms: 7 }, /token_ms is not a list/],
    ];
    for (const [o, why] of bad)
      await expect(read([line(), line(), line(o), ''].join('\n'))).rejects.toThrow(
        new RegExp(`:3: not a request line: ${why.source}`),
      );
    await expect(read(['[1]', line()].join('\n'))).rejects.toThrow(/:1: not a request line: not an object/);
  });

  it('passes over an unterminated last line that does not parse (a killed run), telling onCut; keeps one that does', async () => {
    const cut: string[] = [];
    const lines = await read([line({ i: 1 }), '', line({ i: 2 }), '{"variant":"v","i":6,"warm'].join('\n'), {
      onCut: (at) => cut.push(at),
    });
    expect(lines.map((l) => l.i)).toEqual([1, 2]);
    expect(cut).toEqual([expect.stringMatching(/requests\.jsonl:4$/)]);
    expect((await read([line({ i: 1 }), line({ i: 2 })].join('\n'))).map((l) => l.i)).toEqual([1, 2]);
    // A terminated damaged last line was finished by someone, not cut: an error.
    await expect(read([line(), '{"variant":', ''].join('\n'), { onCut: () => {} })).rejects.toThrow(
      /:2: not a request line/,
    );
  });

  it('skips damaged lines anywhere when asked (the report)', async () => {
    const lines = await read(
      [line({ i: 1 }), 'not json', line({ i: 2, token_ms: 'x' }), line({ i: 3 }), '{"i'].join('\n'),
      { skipDamaged: true },
    );
    expect(lines.map((l) => l.i)).toEqual([1, 3]);
  });
});

describe('countedAs', () => {
  const as = (o: Partial<RequestLine>): Counted => countedAs({ ok: true, warmup: false, ...o });

  it("decides in the recorder's order", () => {
    expect(as({})).toBe('ok');
    expect(as({ ok: false, error: { class: 'reset' } })).toBe('failed');
    expect(as({ cancelled: true })).toBe('cancelled');
    expect(as({ warmup: true, cancelled: true })).toBe('warmup');
    expect(as({ warmup: true, ok: false, error: { class: 'interrupted' } })).toBe('interrupted');
    expect(as({ ok: false, retried: true, error: { class: 'interrupted' } })).toBe('retried');
    // A request that finished before the stop came is a success.
    expect(as({ ok: true, error: { class: 'interrupted' } })).toBe('ok');
    expect([failureClass({ error: { class: 'timeout' } }), failureClass({})]).toEqual(['timeout', 'protocol']);
  });
});

/**
 * Real runs through the built CLI: the counts result.json has (the recorder's) are what countedAs makes
 * of the lines it wrote — warm-up, retried attempts, failures by class, cancelled streams, a sweep.
 */
describe('countedAs on the lines of real runs', () => {
  const results: { result: Result; lines: RequestLine[] }[] = [];
  beforeAll(async () => {
    assertBuilt();
    results.push(
      await runScenarioText<RequestLine>(
        dir,
        'faults',
        `name: counted-faults
target: embedded
server: { ttft_ms: 5, tps: 800, output_tokens: 8, faults: { http-500: 0.15, mid-stream-error: 0.1, reset: 0.05 } }
request: { prompt_tokens: 8, max_output_tokens: 8 }
variants:
  - { name: sse, protocol: openai-chat, connection: http-keepalive }
  - { name: ws, protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 2, requests: 30, warmup: 4 }
retries: { max: 1, backoff_ms: 5 }
sweep: { param: server.ttft_ms, values: [5, 10] }
timeout: 10
`,
      ),
      await runScenarioText<RequestLine>(
        dir,
        'cancel',
        `name: counted-cancel
target: embedded
server: { ttft_ms: 5, tps: 800, output_tokens: 30 }
request: { prompt_tokens: 8, max_output_tokens: 30 }
variants:
  - { name: http, protocol: openai-responses, connection: http-keepalive }
load: { kind: closed, concurrency: 2, requests: 6, warmup: 1 }
interrupt: { after_tokens: 5, redirect: "Shorter." }
timeout: 10
`,
      ),
    );
  }, 120_000);

  it('gives the counts the recorder put in result.json', () => {
    const seen = new Set<Counted>();
    for (const { result, lines } of results) {
      const variants: [string, VariantResult][] =
        result.steps !== undefined
          ? result.steps.flatMap((st, k) => st.variants.map((v): [string, VariantResult] => [variantKey(v.name, k), v]))
          : result.variants.map((v) => [v.name, v]);
      for (const [key, v] of variants) {
        const counts = {
          requests: 0,
          ok: 0,
          warmup: 0,
          retries: 0,
          cancelled: 0,
          errors: {} as Record<string, number>,
        };
        for (const l of lines.filter((x) => variantKey(x.variant, x.step) === key)) {
          const c = countedAs(l);
          seen.add(c);
          if (c === 'ok' || c === 'failed') counts.requests++;
          if (c === 'ok') counts.ok++;
          if (c === 'failed') counts.errors[failureClass(l)] = (counts.errors[failureClass(l)] ?? 0) + 1;
          if (c === 'warmup') counts.warmup++;
          if (c === 'retried' && !l.warmup) counts.retries++;
          if (c === 'cancelled') counts.cancelled++;
        }
        const r = v.counts;
        expect(counts, key).toEqual({
          requests: r.requests,
          ok: r.ok,
          warmup: r.warmup,
          retries: r.retries ?? 0,
          cancelled: r.cancelled ?? 0,
          errors: r.errors,
        });
      }
    }
    expect([...seen].sort()).toEqual(['cancelled', 'failed', 'ok', 'retried', 'warmup']);
  });
});
