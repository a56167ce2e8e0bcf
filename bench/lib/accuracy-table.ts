/** bench/accuracy's figures and their tables: one per wirebench transport, the Python peer beside each. */
import type { MetricSummary } from '../../src/result/result.js';
import { fmt } from './args.js';

/** One `wirebench run`, from its result.json. */
export interface RunFig {
  ok: number;
  requests: number;
  ttft?: MetricSummary;
  tokenDelay?: MetricSummary;
  itl?: MetricSummary;
  loopP99?: number;
  cpuPercent?: number;
  warnings: string[];
}

type Pcts = { p50: number; p99: number; count: number } | null;

/** What bench/peers/vllm_client.py prints. */
export interface PeerFig {
  requests: number;
  ok: number;
  errors: string[];
  ttft_ms: Pcts;
  ttft_first_chunk_ms: Pcts;
  itl_ms: Pcts;
  cpu_percent: number;
  python: string;
  aiohttp: string;
}

/** What bench/peers/floor-client.ts prints. */
export interface FloorFig {
  requests: number;
  ok: number;
  ttft_ms: Pcts;
  itl_ms: Pcts;
  token_delay_ms: Pcts;
  loop_p99_ms: number;
  cpu_percent: number;
}

export interface Row {
  streams: number;
  sse?: RunFig;
  ws?: RunFig;
  peer?: PeerFig;
  floor?: FloorFig;
  /** The server's CPU, % of one core, while each client ran. */
  serverCpu: { sse?: number; ws?: number; peer?: number; floor?: number };
}

export interface Setup {
  ttft: number;
  tps: number;
  tokens: number;
  perUser: number;
  warmupPerUser: number;
  rampUp: number;
  python: string | undefined;
}

const signed = (x: number | undefined, d = 1): string =>
  x === undefined ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(d)}`;

/** `p50/p99 (err50/err99)` of a TTFT against the configured one. */
function ttftCell(p50: number | undefined, p99: number | undefined, truth: number): string {
  if (p50 === undefined || p99 === undefined) return '–';
  return `${fmt(p50, 1)}/${fmt(p99, 1)} (${signed(p50 - truth)}/${signed(p99 - truth)})`;
}

/** wirebench's TTFT p50/p99 and token delay p99 minus the floor's: `+p50/+p99 tok +p99`. */
function excess(w: RunFig | undefined, f: FloorFig | undefined, truth: number): string {
  if (w?.ttft === undefined || f?.ttft_ms == null) return '–';
  const tok = w.tokenDelay && f.token_delay_ms ? signed(w.tokenDelay.p99 - f.token_delay_ms.p99, 2) : '–';
  return `${signed(w.ttft.p50 - truth - (f.ttft_ms.p50 - truth))}/${signed(w.ttft.p99 - f.ttft_ms.p99)} tok ${tok}`;
}

/** The peer's TTFT error over wirebench's: > 1, wirebench is closer to the truth. */
function ratio(peer: number | undefined, wb: number | undefined, truth: number): string {
  if (peer === undefined || wb === undefined) return '–';
  const e = wb - truth;
  // Below 50 µs of error the ratio is mostly the noise of the denominator.
  return e < 0.05 ? '–' : `${((peer - truth) / e).toFixed(1)}×`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)];
}

const HEADER = [
  'streams',
  'TTFT p50/p99 ms (err)',
  'tok delay p50/p99',
  'ITL p99',
  'loop p99',
  'CPU %',
  'srv %',
  'py TTFT p50/p99 ms (err)',
  'py ITL p99',
  'py CPU %',
  'srv %',
  'err ratio p50/p99',
];

export function printTables(rows: Row[], s: Setup): void {
  console.log(
    `bench/accuracy: truth TTFT ${s.ttft} ms, ITL ${fmt(1000 / s.tps, 3)} ms (${s.tps} tok/s), ${s.tokens}-token answers; ` +
      `closed loop, concurrency = streams, ${s.perUser} measured requests per user after ${s.warmupPerUser} warm-up, ` +
      `ramp-up ${s.rampUp} s; wirebench serve --stamp in its own process`,
  );
  console.log(
    s.python === undefined
      ? 'vLLM-style peer: skipped (no python with aiohttp)'
      : `vLLM-style peer: bench/peers/vllm_client.py under ${s.python}, chat completions over HTTP (the same run in both tables)`,
  );
  const sections = [
    ['sse', 'SSE: wirebench openai-chat over http-keepalive'],
    ['ws', 'WebSocket: wirebench openai-responses over ws-persistent'],
  ] as const;
  for (const [key, title] of sections) {
    console.log(`\n${title}`);
    const cells = rows.map((r): string[] => {
      const w = r[key];
      const p = r.peer;
      return [
        String(r.streams),
        ttftCell(w?.ttft?.p50, w?.ttft?.p99, s.ttft),
        `${fmt(w?.tokenDelay?.p50, 3)}/${fmt(w?.tokenDelay?.p99, 3)}`,
        fmt(w?.itl?.p99),
        fmt(w?.loopP99),
        fmt(w?.cpuPercent, 0),
        fmt(r.serverCpu[key], 0),
        ttftCell(p?.ttft_ms?.p50, p?.ttft_ms?.p99, s.ttft),
        fmt(p?.itl_ms?.p99),
        fmt(p?.cpu_percent, 0),
        fmt(r.serverCpu.peer, 0),
        `${ratio(p?.ttft_ms?.p50, w?.ttft?.p50, s.ttft)}/${ratio(p?.ttft_ms?.p99, w?.ttft?.p99, s.ttft)}`,
      ];
    });
    for (const l of table(HEADER, cells)) console.log(l);
  }
  if (rows.some((r) => r.floor !== undefined)) {
    console.log(
      '\nFloor: bare node:net reader (bench/peers/floor-client.ts), chat completions over kept-alive HTTP/1.1',
    );
    const cells = rows.map((r): string[] => {
      const f = r.floor;
      return [
        String(r.streams),
        ttftCell(f?.ttft_ms?.p50, f?.ttft_ms?.p99, s.ttft),
        `${fmt(f?.token_delay_ms?.p50, 3)}/${fmt(f?.token_delay_ms?.p99, 3)}`,
        fmt(f?.itl_ms?.p99),
        fmt(f?.loop_p99_ms),
        fmt(f?.cpu_percent, 0),
        fmt(r.serverCpu.floor, 0),
        excess(r.sse, f, s.ttft),
        excess(r.ws, f, s.ttft),
      ];
    });
    for (const l of table([...HEADER.slice(0, 7), 'SSE − floor', 'WS − floor'], cells)) console.log(l);
  }
  console.log(
    '\nerr: measured − configured TTFT, ms. tok delay: server write → client receipt per delta (stamps), ms. ' +
      'loop p99: wirebench event-loop delay, ms. CPU %: client, of one core, over its measured phase. ' +
      'srv %: the server while that client ran. err ratio: peer error ÷ wirebench error (> 1: wirebench closer; ' +
      '– below 0.05 ms). − floor: wirebench’s TTFT p50/p99 and token delay p99 minus the floor’s, ms: what ' +
      'wirebench adds to the least any Node client pays at that load. With fewer than 100 requests a p99 is the maximum.',
  );
  for (const r of rows) {
    for (const key of ['sse', 'ws'] as const) {
      const w = r[key];
      if (w && w.ok < w.requests)
        console.log(`${r.streams} streams, ${key}: ${w.requests - w.ok} of ${w.requests} failed`);
      for (const warning of w?.warnings ?? []) console.log(`${r.streams} streams, ${key} warning: ${warning}`);
    }
    const p = r.peer;
    if (p && p.ok < p.requests)
      console.log(`${r.streams} streams, peer: ${p.requests - p.ok} of ${p.requests} failed: ${p.errors.join('; ')}`);
  }
  const peer = rows.find((r) => r.peer?.ttft_first_chunk_ms)?.peer;
  if (peer?.ttft_first_chunk_ms)
    console.log(
      `(vLLM's own TTFT rule, first chunk with choices, would read ${fmt(peer.ttft_first_chunk_ms.p50, 1)} ms at p50 ` +
        'here: the role chunk comes with the server’s ack, before the first token)',
    );
}
