import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

import { textPieces } from './text-pieces.js';
import { countText, encodeText, MERGE_CACHE_SIZE } from './tokens.js';

/**
 * Text at least this long is tokenized on a worker thread. A piece (1024 characters) costs up to
 * ~0.25 ms, so what is counted on the loop costs at most ~2 ms; a megabyte costs ~250 ms, which on the
 * loop would stall every stream it stamps (client) or writes (server).
 */
export const OFF_THREAD_CHARS = 8192;

/**
 * The worker: a CommonJS script run from a string (`eval`), so it loads the same way from the sources
 * under test and from the build. It takes texts as their pieces (cut on the caller's side, linear and
 * cheap) and answers each text's count, or its ids.
 */
const SCRIPT = (tokenizer: string): string => `
const { parentPort } = require('node:worker_threads');
const { countTokens, encode, setMergeCacheSize } = require(${JSON.stringify(tokenizer)});
setMergeCacheSize(${MERGE_CACHE_SIZE});
const PLAIN = { disallowedSpecial: new Set() };
const count = (pieces) => pieces.reduce((n, p) => n + countTokens(p, PLAIN), 0);
function ids(pieces) {
  const out = [];
  for (const p of pieces) for (const t of encode(p, PLAIN)) out.push(t);
  return Uint32Array.from(out);
}
parentPort.postMessage({ ready: true });
parentPort.on('message', ({ id, texts, encode }) => {
  if (!encode) return parentPort.postMessage({ id, out: texts.map(count) });
  const out = texts.map(ids);
  parentPort.postMessage({ id, out }, out.map((a) => a.buffer));
});
`;

type Answer = number[] | Uint32Array[];

interface Job {
  texts: readonly string[];
  encode: boolean;
  resolve: (out: Answer) => void;
}

let worker: Worker | undefined;
let ready: Promise<void> | undefined;
let next = 0;
const jobs = new Map<number, Job>();

function start(): Worker {
  const tokenizer = createRequire(import.meta.url).resolve('gpt-tokenizer/encoding/o200k_base');
  const w = new Worker(SCRIPT(tokenizer), { eval: true });
  let loaded!: () => void;
  ready = new Promise((r) => (loaded = r));
  w.on('message', (m: { ready?: true; id: number; out: Answer }) => {
    const job = m.ready === true ? undefined : jobs.get(m.id);
    if (job !== undefined) jobs.delete(m.id);
    // Loading, it holds the process (a server awaits it); idle, never; `submit` holds it while it works.
    if (jobs.size === 0) w.unref();
    if (m.ready === true) loaded();
    job?.resolve(m.out);
  });
  // A thread that fails (out of memory) hands its jobs back to the loop: a stall, never a lost count.
  const fail = (): void => {
    loaded();
    if (worker === w) worker = undefined;
    for (const job of jobs.values())
      job.resolve(job.encode ? job.texts.map(encodeText) : job.texts.map((t) => countText(t)));
    jobs.clear();
  };
  w.on('error', fail);
  w.on('exit', fail);
  return w;
}

function submit(texts: readonly string[], encode: boolean): Promise<Answer> {
  return new Promise((resolve) => {
    const w = (worker ??= start());
    const id = next++;
    jobs.set(id, { texts, encode, resolve });
    w.ref();
    w.postMessage({ id, texts: texts.map((t) => [...textPieces(t)]), encode });
  });
}

/**
 * Starts the tokenizer thread and resolves once it has loaded the tokenizer (~200 ms, on its own
 * thread): a server calls it before it listens, so its first long prompt does not wait for the load.
 */
export function startTokenThread(): Promise<void> {
  worker ??= start();
  return ready ?? Promise.resolve();
}

/** The o200k count of `text` (see countText): on the loop when short, else on the tokenizer thread. */
export function countSoon(text: string): number | Promise<number> {
  if (text.length < OFF_THREAD_CHARS) return countText(text);
  return submit([text], false).then((out) => out[0] as number);
}

/** The o200k ids of each text (see encodeText), from the tokenizer thread. */
export function encodeOffThread(texts: readonly string[]): Promise<Uint32Array[]> {
  return submit(texts, true) as Promise<Uint32Array[]>;
}
