/**
 * bench/trace-index — what indexing a large trace costs: a 1M-line Mooncake-shaped trace (hash_ids lists of
 * 10–30 ids, as the real trace's 512-token blocks of 5–15k-token prompts) is written to a temp folder, then
 * a child process indexes it (time, peak RSS — the child's own, so that generating the file does not
 * count) and reads the first 1000 records and 1000 scattered ones with the reader. Beside it, as floors, a
 * bare `readline` pass over the same file, then readline + JSON.parse alone, with the hand check the index
 * uses, and with an equivalent zod schema (the reason the Mooncake path is checked by hand).
 *
 * Usage: npm run bench:trace [-- --lines 1000000 --keep]
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

import * as z from 'zod';

import { rng } from '../src/shared/rng.js';
import { DatasetReader, indexDataset } from '../src/workload/dataset/index.js';
import { decodeMooncake } from '../src/workload/dataset/mooncake.js';

const SELF = fileURLToPath(import.meta.url);
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

interface Measured {
  indexMs: number;
  records: number;
  firstReadMs: number;
  scatteredReadMs: number;
  maxRssMb: number;
  rssAfterMb: number;
  heapAfterMb: number;
}

/** The child: index, read, report its own peak RSS. */
async function measure(file: string): Promise<Measured> {
  const t0 = performance.now();
  const index = await indexDataset(file);
  const indexMs = performance.now() - t0;
  const reader = new DatasetReader(index);
  const t1 = performance.now();
  await reader.read(Array.from({ length: 1000 }, (_, i) => i));
  const firstReadMs = performance.now() - t1;
  const random = rng(7);
  const scattered = Array.from({ length: 1000 }, () => Math.floor(random() * index.records));
  const t2 = performance.now();
  await reader.read(scattered);
  const scatteredReadMs = performance.now() - t2;
  await reader.close();
  const mb = (bytes: number): number => bytes / 2 ** 20;
  return {
    indexMs,
    records: index.records,
    firstReadMs,
    scatteredReadMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    rssAfterMb: mb(process.memoryUsage().rss),
    heapAfterMb: mb(process.memoryUsage().heapUsed),
  };
}

/** A Mooncake-shaped trace: sessions on shared prefixes, ~15 requests/s, written in 1 MB pieces. */
async function generate(file: string, lines: number): Promise<void> {
  const random = rng(20240611);
  const out = createWriteStream(file);
  const prefixes = Array.from({ length: 8 }, (_, p) => Array.from({ length: 4 + (p % 5) }, (_, k) => p * 100 + k));
  let nextId = 1000;
  let at = 0;
  let piece = '';
  for (let k = 0; k < lines; k++) {
    at += Math.round(-Math.log(1 - random()) * 66);
    const prefix = prefixes[Math.floor(random() * prefixes.length)];
    const ids = prefix.concat(Array.from({ length: 10 + Math.floor(random() * 21) - prefix.length }, () => nextId++));
    const input = ids.length * 512 - Math.floor(random() * 512);
    const output = 1 + Math.floor(random() * random() * 900);
    piece += `{"timestamp": ${at}, "input_length": ${input}, "output_length": ${output}, "hash_ids": [${ids.join(', ')}]}\n`;
    if (piece.length > 1 << 20 || k === lines - 1) {
      if (!out.write(piece)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      piece = '';
    }
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** ms for a readline pass calling `onLine` on each line. */
async function readlinePass(file: string, onLine: (line: string) => void): Promise<number> {
  const t0 = performance.now();
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) onLine(line);
  return performance.now() - t0;
}

const MooncakeSchema = z.object({
  timestamp: z.int().min(0),
  input_length: z.int().min(1),
  output_length: z.int().min(1),
  hash_ids: z.array(z.int().min(0)).optional(),
});

async function main(): Promise<void> {
  const child = process.argv.indexOf('--measure');
  if (child > 0) {
    process.stdout.write(JSON.stringify(await measure(process.argv[child + 1])));
    return;
  }
  const lines = arg('lines', 1_000_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-trace-'));
  const file = path.join(dir, 'trace.jsonl');
  try {
    const g0 = performance.now();
    await generate(file, lines);
    const sizeMb = statSync(file).size / 2 ** 20;
    console.log(
      `bench/trace-index: ${lines} lines, ${sizeMb.toFixed(1)} MiB (${Math.round((sizeMb * 2 ** 20) / lines)} B/line), written in ${((performance.now() - g0) / 1000).toFixed(1)} s\n`,
    );

    const run = spawnSync(process.execPath, [SELF, '--measure', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (run.status !== 0) throw new Error(`the measuring child exited with ${run.status}`);
    const m = JSON.parse(run.stdout) as Measured;
    const bare = await readlinePass(file, () => {});
    const parsed = await readlinePass(file, (line) => {
      JSON.parse(line);
    });
    let checked = 0;
    const hand = await readlinePass(file, (line) => {
      if ('record' in decodeMooncake(line, 0)) checked++;
    });
    const zod = await readlinePass(file, (line) => {
      if (MooncakeSchema.safeParse(JSON.parse(line)).success) checked++;
    });
    if (checked !== 2 * lines) throw new Error('the checks rejected generated lines');

    const row = (name: string, ms: number, extra = ''): void =>
      console.log(`${name.padEnd(52)}${(ms / 1000).toFixed(2).padStart(7)} s ${extra}`);
    row(
      'indexDataset (validate + index, one pass)',
      m.indexMs,
      `${Math.round(m.records / (m.indexMs / 1000)).toLocaleString('en')} records/s, ${(sizeMb / (m.indexMs / 1000)).toFixed(0)} MiB/s`,
    );
    row('floor: bare readline pass', bare);
    row('readline + JSON.parse', parsed);
    row("readline + JSON.parse + hand check (the index's)", hand);
    row('readline + JSON.parse + zod safeParse', zod);
    console.log('');
    console.log(
      `reader: first 1000 records ${m.firstReadMs.toFixed(1)} ms, 1000 scattered ${m.scatteredReadMs.toFixed(1)} ms`,
    );
    console.log(
      `indexing child: peak RSS ${m.maxRssMb.toFixed(0)} MiB (file ${sizeMb.toFixed(0)} MiB); after: RSS ${m.rssAfterMb.toFixed(0)} MiB, heap ${m.heapAfterMb.toFixed(0)} MiB`,
    );
  } finally {
    if (process.argv.includes('--keep')) console.log(`kept ${file}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
