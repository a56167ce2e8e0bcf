#!/usr/bin/env node
/**
 * Writes the example datasets under scenarios/data/: small, made up here (nothing is downloaded), and
 * shaped like the real files they stand for, so that scenarios can be tried on every dataset format.
 * Deterministic: the same seed gives the same bytes, so a regenerated file only changes in a diff when
 * this script does.
 *
 * Usage: node scripts/make-sample-data.mjs [out-dir]   (default: scenarios/data)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'scenarios', 'data');

/** mulberry32, as src/shared/rng.ts: a script without the build cannot import it. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(20240611);
const int = (min, max) => min + Math.floor(random() * (max - min + 1));
const pick = (list) => list[Math.floor(random() * list.length)];
const chance = (p) => random() < p;
/** Box-Muller normal, for lognormal lengths: LLM prompt and answer lengths are heavy-tailed. */
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const lognormal = (median, sigma, min, max) =>
  Math.min(max, Math.max(min, Math.round(median * Math.exp(sigma * normal()))));
/** Gaps between arrivals at `rate`/s, in s; `shape` < 1 makes them burstier than Poisson (gamma, as BurstGPT found). */
function gap(rate, shape = 1) {
  if (shape === 1) return -Math.log(1 - random()) / rate;
  // Gamma(shape < 1): Marsaglia–Tsang for Gamma(shape + 1), times U^(1/shape).
  const d = shape + 1 - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  let g;
  for (;;) {
    const x = normal();
    const v = (1 + c * x) ** 3;
    if (v > 0 && Math.log(1 - random()) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
      g = d * v;
      break;
    }
  }
  return (g * (1 - random()) ** (1 / shape)) / (shape * rate);
}

// ---- English-looking text ----
const TOPICS = [
  'photosynthesis',
  'compound interest',
  'the French Revolution',
  'TCP congestion control',
  'sourdough baking',
  'black holes',
  'vaccines',
  'the stock market',
  'climate change',
  'machine learning',
  'the Roman Empire',
  'public key cryptography',
  'jazz improvisation',
  'plate tectonics',
  'urban gardening',
  'the immune system',
  'supply chains',
  'quantum computing',
  'marathon training',
  'database indexes',
];
const AUDIENCES = [
  'a ten-year-old',
  'a new employee',
  'a retired engineer',
  'a high school class',
  'a busy manager',
  'someone who has never heard of it',
];
const FORMS = ['poem', 'story', 'product description', 'cover letter', 'blog post', 'speech', 'haiku', 'limerick'];
const SUBJECTS = [
  'The team',
  'Our customer',
  'The committee',
  'My neighbour',
  'The new system',
  'The report',
  'Every student',
  'The city council',
  'The old bridge',
  'A small startup',
];
const VERBS = [
  'reviewed',
  'changed',
  'questioned',
  'improved',
  'described',
  'ignored',
  'measured',
  'rebuilt',
  'explained',
  'delayed',
];
const OBJECTS = [
  'the budget',
  'the schedule',
  'the design',
  'the main argument',
  'the last three results',
  'the safety rules',
  'the whole process',
  'the first draft',
  'the data',
  'the plan',
];
const TAILS = [
  'before the deadline',
  'without much help',
  'in the spring',
  'after a long debate',
  'for the second time',
  'with great care',
  'despite the weather',
  'last week',
  'in less than an hour',
  "to everyone's surprise",
];

const sentence = () => `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(TAILS)}.`;
const paragraph = (n) => Array.from({ length: n }, sentence).join(' ');
const QUESTIONS = [
  () => `Explain how ${pick(TOPICS)} works to ${pick(AUDIENCES)}.`,
  () => `Write a short ${pick(FORMS)} about ${pick(TOPICS)}.`,
  () => `Summarize the following notes in three bullet points:\n\n${paragraph(int(3, 9))}`,
  () => `What are the main arguments for and against ${pick(TOPICS)}?`,
  () => `List ${int(3, 10)} common mistakes people make with ${pick(TOPICS)}, and how to avoid them.`,
  () => `Rewrite this paragraph so that it is clearer and shorter:\n\n${paragraph(int(2, 6))}`,
  () => `Compare ${pick(TOPICS)} and ${pick(TOPICS)} in a short table.`,
  () => `Translate into French: "${sentence()}"`,
];
const FOLLOW_UPS = [
  'Can you make it shorter?',
  'Give me an example.',
  'Why is that?',
  'Now explain it more formally.',
  'What would change if the numbers doubled?',
  'Thanks. Can you turn that into a checklist?',
  'I did not understand the second point.',
];
const question = () => pick(QUESTIONS)();
const answer = () =>
  `${pick(['Sure.', 'Good question.', 'Here is a short answer.', 'In short:'])} ${paragraph(int(2, 8))}`;
const SYSTEMS = [
  'You are a helpful assistant.',
  'You are a concise assistant. Answer in at most three sentences.',
  'You are a patient tutor who explains things step by step.',
];

function write(name, text) {
  writeFileSync(path.join(OUT, name), text);
  console.log(`${name}: ${Buffer.byteLength(text)} bytes`);
}
const jsonl = (rows) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

// ---- prompts.jsonl: prompt + output_tokens ----
function prompts() {
  return jsonl(
    Array.from({ length: 200 }, () => ({ prompt: question(), output_tokens: lognormal(180, 0.8, 16, 1024) })),
  );
}

// ---- chat.jsonl: OpenAI chat messages, multi-turn, some with content parts ----
function chat() {
  return jsonl(
    Array.from({ length: 100 }, () => {
      const messages = [];
      if (chance(0.6)) messages.push({ role: chance(0.3) ? 'developer' : 'system', content: pick(SYSTEMS) });
      const turns = chance(0.5) ? 1 : int(2, 4);
      for (let t = 0; t < turns; t++) {
        const text = t === 0 ? question() : pick(FOLLOW_UPS);
        messages.push({ role: 'user', content: chance(0.2) ? [{ type: 'text', text }] : text });
        if (t < turns - 1) messages.push({ role: 'assistant', content: answer() });
      }
      return chance(0.7) ? { messages, output_tokens: lognormal(200, 0.7, 16, 1024) } : { messages };
    }),
  );
}

// ---- sharegpt.json: conversations, pretty-printed, a few empty or without a human turn (as real ones) ----
function sharegpt() {
  const id = () =>
    Array.from({ length: 7 }, () =>
      pick('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('')),
    ).join('') + `_${int(0, 9)}`;
  const conversations = Array.from({ length: 100 }, (_, k) => {
    if (k % 37 === 5) return { id: id(), conversations: [] };
    if (k % 41 === 7) return { id: id(), conversations: [{ from: 'gpt', value: answer() }] };
    // Most end on the assistant's answer; some on an unanswered question, as in the real file.
    const turns = chance(0.85) ? 2 * int(1, 3) : int(1, 5);
    return {
      id: id(),
      conversations: Array.from({ length: turns }, (_, t) =>
        t % 2 === 0
          ? { from: 'human', value: t === 0 ? question() : pick(FOLLOW_UPS) }
          : { from: 'gpt', value: answer() },
      ),
    };
  });
  return JSON.stringify(conversations, null, 2) + '\n';
}

// ---- mooncake.jsonl: ~60 s of requests whose hash_ids share prefixes (512-token blocks) ----
function mooncake() {
  const BLOCK = 512;
  let nextId = 0;
  const fresh = (n) => Array.from({ length: n }, () => nextId++);
  // A few long system prompts shared by many sessions, as the real traces' common prefixes.
  const prefixes = [8, 14, 22, 5].map(fresh);
  const requests = [];
  for (let start = 0; start < 60; start += gap(6.5)) {
    // A session: its first request on a shared prefix (mostly), each later turn extending the one before.
    let ids = [...(chance(0.8) ? pick(prefixes) : []), ...fresh(int(1, 10))];
    let at = start;
    const turns = chance(0.4) ? 1 : int(2, 7);
    for (let t = 0; t < turns && at < 60; t++) {
      requests.push({ at, ids });
      at += 2 + random() * 13;
      ids = [...ids, ...fresh(int(1, 4))];
    }
  }
  requests.sort((a, b) => a.at - b.at);
  const first = requests[0].at;
  // The real traces number blocks in order of first appearance.
  const renumbered = new Map();
  const number = (id) => renumbered.get(id) ?? renumbered.set(id, renumbered.size).get(id);
  return jsonl(
    requests.map(({ at, ids }) => ({
      timestamp: Math.round((at - first) * 1000),
      input_length: ids.length * BLOCK - int(0, BLOCK - 1),
      output_length: lognormal(300, 0.9, 1, 2048),
      hash_ids: ids.map(number),
    })),
  );
}

// ---- azure-code.csv: the Azure code trace's shape, 100 ns timestamps, a few 0-token rows ----
function azure() {
  const TICKS = 1e7; // per second
  const dayStart = (18 * 3600 + 15 * 60 + 46) * TICKS + 6805900; // 18:15:46.6805900
  const pad = (n, w) => String(n).padStart(w, '0');
  const rows = ['TIMESTAMP,ContextTokens,GeneratedTokens'];
  let offset = 0;
  for (let k = 0; k < 1000; k++) {
    const t = dayStart + offset;
    const s = Math.floor(t / TICKS);
    const time = `2023-11-16 ${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}.${pad(t % TICKS, 7)}`;
    const generated = chance(0.005) ? 0 : lognormal(14, 1.1, 1, 1500);
    rows.push(`${time},${lognormal(1800, 0.9, 3, 7437)},${generated}`);
    offset += Math.round(gap(10, 0.5) * TICKS);
  }
  return rows.join('\n') + '\n';
}

// ---- burstgpt.csv: BurstGPT's columns, whole seconds from the day's start, failed requests as 0 tokens ----
function burstgpt() {
  const rows = ['Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type'];
  let at = 5;
  for (let k = 0; k < 1000; k++) {
    const model = chance(0.75) ? 'ChatGPT' : 'GPT-4';
    const request = lognormal(600, 1, 1, 16000);
    const response = chance(0.03) ? 0 : lognormal(250, 0.9, 1, 4000);
    rows.push(
      `${Math.floor(at)},${model},${request},${response},${request + response},${chance(0.8) ? 'Conversation log' : 'API log'}`,
    );
    at += gap(8, 0.4);
  }
  return rows.join('\n') + '\n';
}

mkdirSync(OUT, { recursive: true });
write('prompts.jsonl', prompts());
write('chat.jsonl', chat());
write('sharegpt.json', sharegpt());
write('mooncake.jsonl', mooncake());
write('azure-code.csv', azure());
write('burstgpt.csv', burstgpt());
