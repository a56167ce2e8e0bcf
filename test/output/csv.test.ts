import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';

import { CsvOutput } from '../../src/output/csv.js';
import { JsonOutput } from '../../src/output/json.js';
import { LINE_COLUMNS } from '../../src/result/requests/columns.js';
import type { RequestLine } from '../../src/result/requests/line.js';
import { tempDir } from '../cli/helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const line = (i: number, message: string): RequestLine => ({
  variant: 'v,1',
  i,
  warmup: false,
  ok: false,
  intended_ms: 1.5,
  start_ms: 1.5,
  phases: { connStart: 0.1, errorAt: 3 },
  status: 500,
  reused: false,
  deltas: 0,
  output_tokens: 0,
  token_source: 'chunks',
  token_ms: [1, 2.5],
  error: { class: 'http', message },
});

describe('CsvOutput', () => {
  it('quotes as RFC 4180 says and appears only once finished', async () => {
    const file = path.join(tmp.dir, 'rows.csv');
    const out = new CsvOutput(file);
    await out.start();
    const tricky = 'said "no", then\r\nleft';
    out.request(line(0, tricky), '');
    out.request(line(1, 'plain'), '');
    out.blockDone();
    expect(existsSync(file)).toBe(false);
    await out.end();
    const rows = parse<Record<string, string>>(readFileSync(file, 'utf8'), { columns: true });
    expect(Object.keys(rows[0])).toEqual(LINE_COLUMNS);
    expect(rows.map((r) => r['error.message'])).toEqual([tricky, 'plain']);
    expect(rows[0]).toMatchObject({ variant: 'v,1', i: '0', ok: 'false', 'phases.errorAt': '3', token_ms: '1 2.5' });
    expect(rows[0]['phases.firstDelta']).toBe('');
  });

  it('refuses to start into a missing folder, naming the file', async () => {
    const file = path.join(tmp.dir, 'missing', 'rows.csv');
    await expect(new CsvOutput(file).start()).rejects.toThrow(`cannot write ${file} (ENOENT)`);
  });
});

describe('JsonOutput', () => {
  it('writes each line as given, one a line', async () => {
    const file = path.join(tmp.dir, 'rows.jsonl');
    const out = new JsonOutput(file);
    await out.start();
    const json = JSON.stringify(line(0, 'x'));
    out.request(line(0, 'x'), json);
    await out.end();
    expect(readFileSync(file, 'utf8')).toBe(`${json}\n`);
  });
});
