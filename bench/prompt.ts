/**
 * bench/prompt — CPU cost per request of making its prompt with PromptSynth, next to what tokenizing
 * each prompt would cost (`countTokens` of the same 8k-token text), measured in the same run. The load
 * calls PromptSynth once per request on its event loop, at up to thousands of requests per second.
 *
 *   call         the call alone: V8 returns a view into the prebuilt filler plus a few words
 *   + JSON body  the call and JSON.stringify of a request body holding the prompt, which copies it, so
 *                the copy V8 defers is counted too
 *   JSON alone   JSON.stringify of the same body with a prompt made beforehand (a flat string): what
 *                sending the prompt costs whoever makes it; "+ JSON body" less this is PromptSynth's share
 *
 * Each figure is the median of 5 rounds of at least 200 ms. Figures, not a test: the machine is shared,
 * so read the ratios. Usage: npm run bench:prompt
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

import { PromptSynth } from '../src/workload/prompt.js';

const ROUNDS = 5;
const ROUND_MS = 200;

let sink = 0;

const body = (prompt: string): number => JSON.stringify({ model: 'm', input: prompt }).length;

/** µs per call of `make(i)`, i counting up across calls (every request its own key), median of the rounds. */
function perCall(make: (i: number) => string, json: boolean): number {
  let i = 0;
  const call = json ? (): number => body(make(i++)) : (): number => make(i++).length;
  for (let k = 0; k < 20; k++) sink += call(); // warm-up: compiled before it is timed
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ROUND_MS) {
      for (let k = 0; k < 16; k++) sink += call();
      calls += 16;
      t = performance.now();
    }
    rounds.push(((t - t0) * 1000) / calls);
  }
  return rounds.sort((a, b) => a - b)[ROUNDS >> 1];
}

/** Mooncake-like ids: all but the last two shared by every request (a common system prompt and history). */
function hashIds(count: number, i: number): number[] {
  return [...Array.from({ length: count - 2 }, (_, k) => k), 1_000_000 + 2 * i, 1_000_001 + 2 * i];
}

function main(): void {
  let t = performance.now();
  const synth = new PromptSynth(1);
  const firstMs = performance.now() - t;
  t = performance.now();
  new PromptSynth(2);
  const laterMs = performance.now() - t;

  const text8k = synth.unique(0, 8192);
  const rows: [string, (i: number) => string, boolean][] = [
    ['unique, 1k tokens', (i) => synth.unique(i, 1024), true],
    ['unique, 8k tokens', (i) => synth.unique(i, 8192), true],
    ['unique, 128k tokens', (i) => synth.unique(i, 131_072), true],
    ['blocks, 16 hash ids (8k tokens)', (i) => synth.blocks(hashIds(16, i), 16 * 512 - 100, i), true],
    ['blocks, 256 hash ids (128k tokens)', (i) => synth.blocks(hashIds(256, i), 256 * 512 - 100, i), true],
    ['countTokens, the same 8k text', () => String(countTokens(text8k)), false],
  ];

  console.log(`bench/prompt: µs per call, median of ${ROUNDS} rounds of ≥ ${ROUND_MS} ms\n`);
  console.log(`${'what'.padEnd(38)}${'call'.padStart(10)}${'+ JSON body'.padStart(14)}${'JSON alone'.padStart(13)}`);
  for (const [name, make, json] of rows) {
    const call = perCall(make, false).toFixed(2);
    const withBody = json ? perCall(make, true).toFixed(2) : '–';
    // A JSON round trip leaves a flat copy, as a prompt read from a file would be.
    const flat = JSON.parse(JSON.stringify(make(0))) as string;
    const alone = json ? perCall(() => flat, true).toFixed(2) : '–';
    console.log(`${name.padEnd(38)}${call.padStart(10)}${withBody.padStart(14)}${alone.padStart(13)}`);
  }
  console.log('');
  console.log(
    `first PromptSynth: ${firstMs.toFixed(0)} ms (head words from o200k, 128k tokens of filler); ` +
      `a later one: ${laterMs.toFixed(1)} ms`,
  );
  if (sink === 0) console.log('(nothing was made)');
}

main();
