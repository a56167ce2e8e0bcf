/**
 * Hostile-input properties of the file readers, shared by test/result/fuzz.test.ts and bench/fuzz.ts:
 * valid result.json, requests.jsonl and .hlog files corrupted byte-wise or value-wise. Each reader may
 * refuse a file only with its own error class (a usage error naming the file), never anything else.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import fc from 'fast-check';

import { newHistogram, SCALE } from '../../src/metrics/histogram.js';
import { intervalLine, logHeader } from '../../src/metrics/interval-log-format.js';
import { MetricSet } from '../../src/metrics/metric-set.js';
import { readIntervalSeries, ReportInputError } from '../../src/report/hlog-series.js';
import { readResult, ResultFileError } from '../../src/result/read.js';
import { readRequestLines } from '../../src/result/requests/read.js';
import { collectEnv, type VariantResult } from '../../src/result/result.js';
import { compareVariants } from '../../src/stats/changes.js';

function variant(name: string): VariantResult {
  const set = new MetricSet();
  for (const v of [5, 12, 40]) set.record('ttft_ms', v);
  return {
    name,
    protocol: 'openai-responses',
    connection: name,
    counts: { requests: 3, ok: 3, errors: { timeout: 1 }, warmup: 0 },
    tokens: { output: 30, input: 3, source: 'usage', by_source: { usage: 3, tokenizer: 0, chunks: 0 } },
    connections: { opened: 3 },
    window_s: 1,
    throughput: { requests_per_s: 3, output_tokens_per_s: 30 },
    metrics: set.summaries(),
  };
}

const variants = [variant('sse'), variant('ws')];
/** A valid result.json, as `run` writes it. */
export const RESULT_TEXT = JSON.stringify(
  {
    schema: 'wirebench.result/v1',
    complete: true,
    scenario: { name: 'fuzz' },
    target: 'http://127.0.0.1:8080',
    env: collectEnv(new Date('2026-12-06T04:00:00Z'), new Date('2026-12-06T04:01:00Z')),
    variants,
    comparisons: compareVariants(variants),
    warnings: [],
  },
  null,
  2,
);

const request = (i: number): string =>
  JSON.stringify({
    variant: i % 2 ? 'sse' : 'ws',
    i,
    warmup: i === 0,
    ok: i !== 3,
    intended_ms: i * 10,
    start_ms: i * 10 + 1,
    phases: { firstByte: 3, firstDelta: 5 },
    deltas: 4,
    output_tokens: 4,
    token_source: 'usage',
    token_ms: [5, 6, 7, 8],
  });
/** A valid requests.jsonl. */
export const REQUESTS_TEXT = Array.from({ length: 6 }, (_, i) => request(i)).join('\n') + '\n';

const logLines = (): string => {
  let text = logHeader('fuzz', Date.UTC(2026, 11, 6, 4));
  for (let k = 0; k < 4; k++) {
    const h = newHistogram();
    for (const v of [1, 2.5, 40 * (k + 1)]) h.recordValue(Math.round(v * SCALE));
    text += intervalLine('ttft_ms', k * 0.5, 0.5, h) + intervalLine('itl_ms', k * 0.5, 0.5, h);
  }
  return text;
};
/** A valid .hlog interval log, as `run --hdr-log` writes it. */
export const HLOG_TEXT = logLines();

/** Bytes that mean something to these formats: JSON syntax, line ends, digits, base64, UTF-8 lead bytes. */
const SHARP = [...'{}[]":,\n\r0-.eE=/+A', '\\'].map((c) => c.charCodeAt(0)).concat([0x00, 0xc3, 0xff]);
const byteArb = fc.oneof(fc.constantFrom(...SHARP), fc.integer({ min: 0, max: 255 }));

/** A corruption of a text: byte edits, a cut, or a JSON value swapped for another somewhere in it. */
export interface Corruption {
  edits: { at: number; op: number; byte: number }[];
  cut: number | undefined;
  swap: { at: number; value: string } | undefined;
}

export const corruptionArb: fc.Arbitrary<Corruption> = fc.record({
  edits: fc.array(fc.record({ at: fc.nat(), op: fc.integer({ min: 0, max: 2 }), byte: byteArb }), { maxLength: 6 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
  swap: fc.option(
    fc.record({
      at: fc.nat(),
      value: fc.oneof(
        fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
        fc.constantFrom('null', '-1', '1e999', '"NaN"', '[]', '{}', '"x"', 'true', '0.5', '9007199254740993'),
      ),
    }),
    { nil: undefined },
  ),
});

/** Scalars (numbers, strings, literals) as a scanner sees them: a swap replaces one whole. */
const SCALAR = /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|"(?:[^"\\]|\\.)*"|true|false|null/g;

export function corrupt(text: string, c: Corruption): Buffer {
  if (c.swap !== undefined) {
    const spots = [...text.matchAll(SCALAR)];
    const m = spots[c.swap.at % spots.length];
    text = text.slice(0, m.index) + c.swap.value + text.slice(m.index + m[0].length);
  }
  const b = [...Buffer.from(text)];
  for (const { at, op, byte } of c.edits) {
    const i = at % (b.length + 1);
    if (op === 0 && i < b.length) b[i] = byte;
    else if (op === 1) b.splice(i, 0, byte);
    else b.splice(i, 1);
  }
  return Buffer.from(c.cut === undefined ? b : b.slice(0, c.cut % (b.length + 1)));
}

/** Rethrows what is not `cls` with a message naming `file`. */
function refusedAs(err: unknown, cls: new (...a: never[]) => Error, file: string): void {
  if (!(err instanceof cls) || !err.message.startsWith(file)) throw err;
}

/** readResult of a corrupted result.json: a result, or a ResultFileError naming the file. */
export function checkResult(dir: string, c: Corruption): void {
  const file = path.join(dir, 'result.json');
  writeFileSync(file, corrupt(RESULT_TEXT, c));
  try {
    readResult(file);
  } catch (err) {
    refusedAs(err, ResultFileError, file);
  }
}

/** The damaged-line refusal of readRequestLines, a plain Error: told apart by what it says. */
class RequestLineError extends Error {}

/** readRequestLines of a corrupted requests.jsonl: lines, or a refusal naming file and line; none when skipping. */
export async function checkRequests(dir: string, c: Corruption): Promise<void> {
  const file = path.join(dir, 'requests.jsonl');
  writeFileSync(file, corrupt(REQUESTS_TEXT, c));
  try {
    for await (const _ of readRequestLines(file));
  } catch (err) {
    const refusal = err instanceof Error && /^.+:\d+: not a request line: /.test(err.message);
    refusedAs(refusal ? new RequestLineError(err.message) : err, RequestLineError, file);
  }
  for await (const _ of readRequestLines(file, { skipDamaged: true, onCut: () => {} }));
}

/** readIntervalSeries of a corrupted .hlog: series, or a ReportInputError naming the file. */
export async function checkHlog(dir: string, c: Corruption): Promise<void> {
  const file = path.join(dir, 'fuzz.hlog');
  writeFileSync(file, corrupt(HLOG_TEXT, c));
  try {
    await readIntervalSeries(file, ['ttft_ms', 'itl_ms']);
  } catch (err) {
    refusedAs(err, ReportInputError, file);
  }
}
