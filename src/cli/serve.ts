import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { FAULT_CLASSES, parseFaults, type FaultRates } from '../server/faults.js';
import { CertificateError, DEFAULT_SERVER_OPTIONS as D, startServer, type RunningServer, type ServerOptions } from '../server/index.js';
import { MAX_PREFIX_CACHE_BLOCKS } from '../server/prefix-cache.js';
import { serveUntilStopped } from '../shared/child-process.js';
import { intArg, numArg } from './args.js';

function faultArg(spec: string): FaultRates {
  try {
    return parseFaults(spec);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

const blocksAtLeastOne = intArg('--prefix-cache-blocks', 1);

function blocksArg(value: string): number {
  const n = blocksAtLeastOne(value);
  if (n > MAX_PREFIX_CACHE_BLOCKS) throw new InvalidArgumentError(`--prefix-cache-blocks must be at most ${MAX_PREFIX_CACHE_BLOCKS}`);
  return n;
}

export function serveCommand(cli: Command): void {
  cli
    .command('serve')
    .description('run the reference server (OpenAI Responses SSE + WebSocket mode, Chat Completions)')
    .option('--host <host>', 'address to listen on', D.host)
    .option('--port <port>', 'port (0 = ephemeral)', intArg('--port', 0), D.port)
    .option('--ttft-ms <ms>', 'time to first token', numArg('--ttft-ms', 0), D.ttftMs)
    .option(
      '--prefill-tps <n>',
      "prefill rate, input tokens per second: the request's own input delays its first token (0 = off)",
      numArg('--prefill-tps', 0),
      D.prefillTps,
    )
    .option('--prefix-cache', 'cache prompt prefixes in 512-token blocks: cached tokens skip prefill and are reported as cached', D.prefixCache)
    .option(
      '--prefix-cache-blocks <n>',
      `with --prefix-cache: its capacity in blocks, least recently used evicted (at most ${MAX_PREFIX_CACHE_BLOCKS})`,
      blocksArg,
      D.prefixCacheBlocks,
    )
    .option('--tps <n>', 'decode rate, tokens per second', numArg('--tps', 0.001), D.tps)
    .option('--jitter <f>', 'inter-token jitter as a fraction of the interval (0..1)', numArg('--jitter', 0), D.jitter)
    .option('--chunk-tokens <n>', 'tokens per delta event', intArg('--chunk-tokens', 1), D.chunkTokens)
    .option('--output-tokens <n>', 'output length (capped by the request)', intArg('--output-tokens', 1), D.outputTokens)
    .option('--http-overhead-ms <ms>', 'set-up cost on every HTTP request', numArg('--http-overhead-ms', 0), D.httpOverheadMs)
    .option('--ws-overhead-ms <ms>', 'set-up cost on every WebSocket turn', numArg('--ws-overhead-ms', 0), D.wsOverheadMs)
    .option(
      '--ws-connect-overhead-ms <ms>',
      'set-up cost once per WebSocket',
      numArg('--ws-connect-overhead-ms', 0),
      D.wsConnectOverheadMs,
    )
    .option('--seed <n>', 'seed of the deterministic timing and text', intArg('--seed', 0), D.seed)
    .option('--stamp', 'add the server write time (wb_t) to every event', D.stamp)
    .option(
      '--max-concurrent <n>',
      'generations at once; more are acked but wait FIFO for their first token (0 = unlimited)',
      intArg('--max-concurrent', 0),
      D.maxConcurrent,
    )
    .option('--rate-limit <rps>', 'requests per second per API key; beyond: 429 with retry-after (0 = off)', numArg('--rate-limit', 0), D.rateLimit)
    .option('--fault <spec>', `inject faults, name=probability,… of ${FAULT_CLASSES.join(', ')} (seeded)`, faultArg, D.faults)
    .option('--tls', 'HTTPS (h2 and HTTP/1.1 by ALPN, WebSocket over TLS) with a self-signed certificate made at start-up')
    .option('--cert-out <file>', 'with --tls: write the certificate (PEM) there, for clients to trust as their ca')
    .action(async ({ certOut, fault, ...rest }: Omit<ServerOptions, 'faults'> & { fault: FaultRates; tls?: boolean; certOut?: string }, cmd: Command) => {
      const flags = { ...rest, faults: fault };
      if (certOut !== undefined && flags.tls !== true) cmd.error('error: --cert-out needs --tls', { exitCode: 2 });
      let server: RunningServer;
      try {
        server = await startServer(flags);
      } catch (err) {
        if (err instanceof CertificateError) cmd.error(`error: ${err.message}`, { exitCode: 2 });
        throw err;
      }
      // Before the listening line: whoever reads that line may read the certificate at once.
      if (certOut !== undefined && server.ca !== undefined) await writeFile(certOut, server.ca);
      await serveUntilStopped(server.url, () => server.close());
    });
}
