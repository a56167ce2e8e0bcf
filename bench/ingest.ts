/**
 * bench/ingest — the client CPU each token event costs wirebench, SSE vs WebSocket, next to floors (a
 * bare node:net reader that only counts bytes, a bare ws socket that only counts messages) measured in
 * the same run. Figures, not a test: the machine is shared, so read the ratios.
 *
 * Two loads, each against `wirebench serve` in a process of its own (its CPU is not the client's):
 * - flood: one stream of 1000-token answers sent as fast as the server can (tps 1e6, TTFT 0): many
 *   events per socket read, so it prices parsing and recording in bulk;
 * - paced: many concurrent streams at a realistic decode rate (default 96 × 1000 tok/s × 500 tokens):
 *   about one event per socket read, so every event also pays a read, a callback and a timestamp — what
 *   a real run against a real endpoint pays.
 *
 * Usage: npm run bench [-- --mode paced|flood|both] [--rounds 5] [--requests 100 (flood)]
 *          [--streams 96 --tps 1000 --tokens 500 --per-stream 2 (paced)] [--stamp]
 */
import os from 'node:os';

import { choiceArg, flagArg, fmt, median, numArg } from './lib/args.js';
import { CASES, counters, type Load, NET_FLOOR, WS_FLOOR } from './lib/ingest-cases.js';
import { startServe } from './lib/server.js';

const MODE = choiceArg('mode', ['paced', 'flood', 'both'] as const, 'both');
const ROUNDS = numArg('rounds', 5);
/** Stamped events cost the client a field to scan and a delay to record: off, as a real endpoint sends them. */
const STAMP = flagArg('stamp');

interface ModeSpec {
  name: 'flood' | 'paced';
  streams: number;
  requests: number;
  tokens: number;
  tps: number;
  /** The goal for wirebench's per-event CPU over the node:net floor (printed, never enforced). */
  goal: number;
}

const SPECS: ModeSpec[] = [
  { name: 'flood', streams: 1, requests: numArg('requests', 100), tokens: 1000, tps: 1_000_000, goal: 1.5 },
  {
    name: 'paced',
    streams: numArg('streams', 96),
    requests: numArg('per-stream', 2),
    tokens: numArg('tokens', 500),
    tps: numArg('tps', 1000),
    goal: 1.3,
  },
];

interface Figure {
  cpuUsPerEvent: number;
  eventsPerS: number;
}

async function measure(fn: () => Promise<void>, events: number): Promise<Figure> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const cpu = process.cpuUsage(cpu0);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  return { cpuUsPerEvent: (cpu.user + cpu.system) / events, eventsPerS: events / wallS };
}

async function runMode(spec: ModeSpec): Promise<void> {
  const flags = ['--ttft-ms', '0', '--tps', String(spec.tps), '--output-tokens', String(spec.tokens)];
  const server = await startServe(STAMP ? [...flags, '--stamp'] : flags);
  const load: Load = { url: new URL(server.url), streams: spec.streams, requests: spec.requests, tokens: spec.tokens };
  const events = spec.streams * spec.requests * spec.tokens;
  const results: Record<string, Figure[]> = Object.fromEntries(Object.keys(CASES).map((k) => [k, []]));
  const eventsPerRead: number[] = [];
  let serverCpuPct: number;
  try {
    // Warm-up pass (JIT, connection set-up), then rounds alternating the cases so drift hits all alike.
    for (const fn of Object.values(CASES)) await fn(load);
    const cpu0 = server.cpuSeconds() ?? NaN;
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, fn] of Object.entries(CASES)) {
        counters.sseReads = 0;
        results[name].push(await measure(() => fn(load), events));
        if (name === NET_FLOOR) eventsPerRead.push(events / counters.sseReads);
      }
    }
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    serverCpuPct = (((server.cpuSeconds() ?? NaN) - cpu0) / wallS) * 100;
  } finally {
    await server.close();
  }
  report(spec, results, median(eventsPerRead), serverCpuPct);
}

function report(spec: ModeSpec, results: Record<string, Figure[]>, eventsPerRead: number, serverCpuPct: number): void {
  const fig = (name: string): Figure => ({
    cpuUsPerEvent: median(results[name].map((f) => f.cpuUsPerEvent)),
    eventsPerS: median(results[name].map((f) => f.eventsPerS)),
  });
  const net = fig(NET_FLOOR).cpuUsPerEvent;
  const ws = fig(WS_FLOOR).cpuUsPerEvent;
  const rate =
    spec.name === 'flood'
      ? 'as fast as the server writes'
      : `${spec.tps} tok/s each (${spec.streams * spec.tps} events/s asked)`;
  console.log(
    `\nbench/ingest ${spec.name}: ${spec.streams} stream(s) × ${spec.requests} request(s) × ${spec.tokens} token events, ` +
      `${rate}; stamps ${STAMP ? 'on' : 'off'}; median of ${ROUNDS} rounds\n`,
  );
  console.log('case                              µs/event  × node:net floor  × own floor   events/s');
  for (const name of Object.keys(CASES)) {
    const f = fig(name);
    const own = name.includes(' ws ') ? ws : net;
    console.log(
      `${name.padEnd(33)}${fmt(f.cpuUsPerEvent, 3).padStart(9)}${fmt(f.cpuUsPerEvent / net).padStart(17)}` +
        `${fmt(f.cpuUsPerEvent / own).padStart(13)}${Math.round(f.eventsPerS).toString().padStart(11)}`,
    );
  }
  const sse = fig('wirebench sse (http-keepalive)').cpuUsPerEvent;
  const undici = fig('undici sse (bytes counted)').cpuUsPerEvent;
  const wb = fig('wirebench ws (ws-persistent)').cpuUsPerEvent;
  console.log('');
  console.log(
    `events per socket read (node:net floor): ${fmt(eventsPerRead)}${spec.name === 'paced' ? ' (paced means ≈ 1)' : ''}; ` +
      `server CPU ${fmt(serverCpuPct, 0)}% of one core over the rounds`,
  );
  console.log(
    `SSE: wirebench ${fmt(sse / net)}× the node:net floor (issue goal ≤ ${spec.goal}×): ` +
      `undici +${fmt(undici - net, 3)} µs/event, wirebench's decoding and recording +${fmt(sse - undici, 3)} µs/event`,
  );
  console.log(
    `WS:  wirebench ${fmt(wb / net)}× the node:net floor (issue goal ≤ ${spec.goal}×), ${fmt(wb / ws)}× the bare ws ` +
      `floor (+${fmt(wb - ws, 3)} µs/message)`,
  );
}

for (const spec of SPECS) if (MODE === 'both' || MODE === spec.name) await runMode(spec);
console.log(`\nload average (1 min) at the end: ${os.loadavg()[0].toFixed(2)} on ${os.availableParallelism()} cores`);
