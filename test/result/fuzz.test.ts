/**
 * Corrupted result files into their readers (bench/lib/fuzz-files.ts has the inputs and the properties;
 * `npm run bench:fuzz` runs the same for many more cases). Fixed seeds, so a failure replays.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import {
  checkHlog,
  checkRequests,
  checkResult,
  corruptionArb,
  HLOG_TEXT,
  REQUESTS_TEXT,
  RESULT_TEXT,
} from '../../bench/lib/fuzz-files.js';
import { readIntervalSeries } from '../../src/report/hlog-series.js';
import { readResult } from '../../src/result/read.js';
import { readRequestLines } from '../../src/result/requests/read.js';
import { tempDir } from '../cli/helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

describe('file readers under corruption', () => {
  it('the uncorrupted files read', async () => {
    const file = (name: string, text: string): string => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    expect(readResult(file('ok.json', RESULT_TEXT)).variants).toHaveLength(2);
    const lines = [];
    for await (const l of readRequestLines(file('ok.jsonl', REQUESTS_TEXT))) lines.push(l);
    expect(lines).toHaveLength(6);
    expect((await readIntervalSeries(file('ok.hlog', HLOG_TEXT), ['itl_ms'])).get('itl_ms')!.p50).toHaveLength(1);
  });

  it('result.json: read, or refused with a ResultFileError naming the file', () => {
    fc.assert(
      fc.property(corruptionArb, (c) => checkResult(dir, c)),
      { seed: 14_63, numRuns: 300 },
    );
  });

  it('requests.jsonl: lines, or refused naming file and line; never refused when skipping damage', async () => {
    await fc.assert(
      fc.asyncProperty(corruptionArb, (c) => checkRequests(dir, c)),
      { seed: 14_64, numRuns: 300 },
    );
  });

  it('.hlog: series, or refused with a ReportInputError naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(corruptionArb, (c) => checkHlog(dir, c)),
      { seed: 14_65, numRuns: 300 },
    );
  });
});
