/**
 * The reference server's options, each described once: its key here (camelCase, as startServer takes
 * it), in a scenario's `server:` block (snake_case), as a `wirebench serve` flag, its kind, bounds,
 * default and description. ServerOptions, the defaults and the server's validation are derived here;
 * the scenario schema (scenario/server-options.ts), the `serve` flags (cli/serve.ts), a run's mapping
 * (run/run-inputs.ts) and the README table (test/server/options.test.ts) from the same entries.
 * Kept plain data so that the server needs no zod. Options of one front end only stay with it:
 * `serve --cert-out` in cli/serve.ts; the embedded server's address is fixed by the run.
 */
import { checkFaults, type FaultRates } from './faults.js';
import { inRange, type OptionSpec, rangeText } from './option-spec.js';
import { DEFAULT_PREFIX_CACHE_BLOCKS, MAX_PREFIX_CACHE_BLOCKS } from './prefix-cache.js';

export const SERVER_OPTIONS = {
  host: { kind: 'string', flag: 'host', arg: 'host', default: '127.0.0.1', description: 'address to listen on' },
  port: {
    kind: 'int',
    flag: 'port',
    arg: 'port',
    default: 0,
    min: 0,
    max: 65_535,
    description: 'port to listen on (0: ephemeral)',
  },
  /** First output token this long after the ack. */
  ttftMs: {
    kind: 'number',
    flag: 'ttft-ms',
    scenario: 'ttft_ms',
    arg: 'ms',
    default: 150,
    min: 0,
    description: 'time to first token, ms',
  },
  /**
   * Prefill rate, input tokens per second (0 = free): the first token comes a further
   * inputTokens / prefillTps seconds later. Only the request's own input pays, less what the prefix
   * cache serves; a chained turn's earlier context is free.
   */
  prefillTps: {
    kind: 'number',
    flag: 'prefill-tps',
    scenario: 'prefill_tps',
    arg: 'n',
    default: 0,
    min: 0,
    description:
      "prefill rate, input tokens per second: adds the request's own input tokens / prefill_tps to TTFT (0: no prefill cost)",
  },
  /** Automatic prefix caching of 512-token blocks, as vLLM and SGLang do it (see PrefixCache). */
  prefixCache: {
    kind: 'boolean',
    flag: 'prefix-cache',
    scenario: 'prefix_cache',
    default: false,
    description:
      'cache prompt prefixes in 512-token blocks as vLLM does: cached tokens skip prefill and are reported as cached in the usage',
  },
  prefixCacheBlocks: {
    kind: 'int',
    flag: 'prefix-cache-blocks',
    scenario: 'prefix_cache_blocks',
    arg: 'n',
    default: DEFAULT_PREFIX_CACHE_BLOCKS,
    min: 1,
    max: MAX_PREFIX_CACHE_BLOCKS,
    description: 'prefix cache capacity in 512-token blocks, least recently used evicted first',
  },
  /** Decode rate, output tokens per second. */
  tps: {
    kind: 'number',
    flag: 'tps',
    scenario: 'tps',
    arg: 'n',
    default: 1000,
    min: 0,
    exclusive: true,
    description: 'decode rate, tokens per second',
  },
  /** Relative spread of each token interval: (1000/tps)·(1 + jitter·u), u uniform in [−1, 1]. */
  jitter: {
    kind: 'number',
    flag: 'jitter',
    scenario: 'jitter',
    arg: 'f',
    default: 0,
    min: 0,
    max: 1,
    description: 'relative jitter of the token gaps',
  },
  chunkTokens: {
    kind: 'int',
    flag: 'chunk-tokens',
    scenario: 'chunk_tokens',
    arg: 'n',
    default: 1,
    min: 1,
    description: 'tokens per delta event',
  },
  /** Output length when the request does not ask for fewer. */
  outputTokens: {
    kind: 'int',
    flag: 'output-tokens',
    scenario: 'output_tokens',
    arg: 'n',
    default: 200,
    min: 1,
    // An empty response is for the server's own tests, not something to benchmark.
    serverMin: 0,
    description: 'tokens generated per response',
  },
  /** Before the response headers, on every HTTP request. */
  httpOverheadMs: {
    kind: 'number',
    flag: 'http-overhead-ms',
    scenario: 'http_overhead_ms',
    arg: 'ms',
    default: 0,
    min: 0,
    description: 'extra server time per HTTP request',
  },
  /** Before response.created, on every WebSocket turn. */
  wsOverheadMs: {
    kind: 'number',
    flag: 'ws-overhead-ms',
    scenario: 'ws_overhead_ms',
    arg: 'ms',
    default: 0,
    min: 0,
    description: 'extra server time per WebSocket turn',
  },
  /** Before the 101, once per WebSocket. */
  wsConnectOverheadMs: {
    kind: 'number',
    flag: 'ws-connect-overhead-ms',
    scenario: 'ws_connect_overhead_ms',
    arg: 'ms',
    default: 0,
    min: 0,
    description: 'extra server time per WebSocket upgrade',
  },
  seed: {
    kind: 'int',
    flag: 'seed',
    scenario: 'seed',
    arg: 'n',
    default: 1,
    description: 'seed of the deterministic timing, text and faults',
  },
  /** Add `"wb_t":"<hrtime.bigint>"` (write time) as the last field of every event. */
  stamp: {
    kind: 'boolean',
    flag: 'stamp',
    scenario: 'stamp',
    default: false,
    // A run measures token_delay_ms from the stamps; a bare server sends events as real endpoints do.
    scenarioDefault: true,
    description: 'stamp each event with its server write time (token_delay_ms)',
  },
  /**
   * Generations decoding at once (0 = unlimited). Beyond it a response is acked on time but waits
   * FIFO for a slot before its first token's ttft + prefill starts, so the wait shows in TTFT.
   */
  maxConcurrent: {
    kind: 'int',
    flag: 'max-concurrent',
    scenario: 'max_concurrent',
    arg: 'n',
    default: 0,
    min: 0,
    description: 'generations at once; later ones wait FIFO, the wait counted in TTFT (0: unlimited)',
  },
  /** Requests (HTTP requests, WebSocket turns) per second per API key, bursts of max(1, rate); 0 = off. */
  rateLimit: {
    kind: 'number',
    flag: 'rate-limit',
    scenario: 'rate_limit',
    arg: 'rps',
    default: 0,
    min: 0,
    description: 'requests per second per API key, beyond → 429 with retry-after (0: off)',
  },
  /** Probability per request (ws-426: per upgrade) of each injected fault, drawn from the seed. */
  faults: {
    kind: 'faults',
    flag: 'fault',
    scenario: 'faults',
    arg: 'spec',
    default: {},
    description:
      'seeded fault injection: probability per request of http-500, mid-stream-error, reset, stall, malformed, ws-426',
  },
  /** A request body or WebSocket message beyond it is refused (413 / close 1009) before it is parsed. */
  maxBodyBytes: {
    kind: 'int',
    flag: 'max-body-bytes',
    scenario: 'max_body_bytes',
    arg: 'bytes',
    default: 16 * 1024 * 1024,
    min: 1024,
    description: 'largest request body or WebSocket message accepted (413, or close 1009, beyond it)',
  },
  /** Open connections at once; beyond it Node closes new ones at once. */
  maxConnections: {
    kind: 'int',
    flag: 'max-connections',
    scenario: 'max_connections',
    arg: 'n',
    default: 10_000,
    min: 1,
    description: 'open connections at once (HTTP and WebSocket); more are closed as they arrive',
  },
  /** HTTPS with a certificate made at start-up: h2 and HTTP/1.1 on the same port (ALPN), WebSocket over TLS. */
  tls: {
    kind: 'boolean',
    flag: 'tls',
    scenario: 'tls',
    default: false,
    startOnly: true,
    description: 'serve https/wss (HTTP/2 and HTTP/1.1) with a certificate made at start-up (needs openssl)',
  },
} as const satisfies Record<string, OptionSpec>;

type Specs = typeof SERVER_OPTIONS;
export type OptionKey = keyof Specs;

/** The value type of an option of kind `S['kind']`. */
export type OptionValue<S> = S extends { kind: 'number' | 'int' }
  ? number
  : S extends { kind: 'boolean' }
    ? boolean
    : S extends { kind: 'string' }
      ? string
      : FaultRates;

/** What the server's handlers read. */
export type ServerOptions = {
  -readonly [K in OptionKey as Specs[K] extends { startOnly: true } ? never : K]: OptionValue<Specs[K]>;
};

/** What startServer takes: any option, the rest defaulted. */
export type StartOptions = { -readonly [K in OptionKey]?: OptionValue<Specs[K]> };

/** Every option in schema order: the order of the flags, the scenario keys and the README rows. */
export const OPTION_LIST = Object.entries(SERVER_OPTIONS) as [OptionKey, OptionSpec][];

export const DEFAULT_SERVER_OPTIONS: ServerOptions = Object.fromEntries(
  OPTION_LIST.filter(([, spec]) => spec.startOnly === undefined).map(([key, spec]) => [key, spec.default]),
) as ServerOptions;

/** Throws a RangeError naming the first option `o` holds out of its kind or range. */
export function validateOptions(o: ServerOptions): void {
  const bad = (what: string) => {
    throw new RangeError(`server option ${what}`);
  };
  for (const [key, spec] of OPTION_LIST) {
    if (spec.startOnly !== undefined) continue;
    const v: unknown = o[key as keyof ServerOptions];
    if (spec.kind === 'faults') {
      try {
        checkFaults(v as FaultRates);
      } catch (e) {
        bad(`faults: ${(e as Error).message}`);
      }
    } else if (spec.kind === 'number' || spec.kind === 'int') {
      if (!inRange(spec, v)) bad(`${key} must be ${rangeText(spec)}, got ${String(v)}`);
    } else if (typeof v !== spec.kind) {
      bad(`${key} must be a ${spec.kind}, got ${String(v)}`);
    }
  }
}
