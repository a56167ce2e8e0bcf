import type { Command } from 'commander';
import { startServer } from '../server/index.js';
import { intArg, numArg } from './args.js';

interface ServeFlags {
  host: string;
  port: number;
  ttftMs: number;
  tps: number;
  jitter: number;
  chunkTokens: number;
  outputTokens: number;
  httpOverheadMs: number;
  wsOverheadMs: number;
  wsConnectOverheadMs: number;
  seed: number;
  stamp?: boolean;
}

export function serveCommand(cli: Command): void {
  cli
    .command('serve')
    .description('run the reference server (OpenAI Responses SSE + WebSocket mode, Chat Completions)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 = ephemeral)', intArg('--port', 0), 0)
    .option('--ttft-ms <ms>', 'time to first token', numArg('--ttft-ms', 0), 150)
    .option('--tps <n>', 'decode rate, tokens per second', numArg('--tps', 0.001), 1000)
    .option('--jitter <f>', 'inter-token jitter as a fraction of the interval (0..1)', numArg('--jitter', 0), 0)
    .option('--chunk-tokens <n>', 'tokens per delta event', intArg('--chunk-tokens', 1), 1)
    .option('--output-tokens <n>', 'output length (capped by the request)', intArg('--output-tokens', 1), 200)
    .option('--http-overhead-ms <ms>', 'set-up cost on every HTTP request', numArg('--http-overhead-ms', 0), 0)
    .option('--ws-overhead-ms <ms>', 'set-up cost on every WebSocket turn', numArg('--ws-overhead-ms', 0), 0)
    .option('--ws-connect-overhead-ms <ms>', 'set-up cost once per WebSocket', numArg('--ws-connect-overhead-ms', 0), 0)
    .option('--seed <n>', 'seed of the deterministic timing and text', intArg('--seed', 0), 1)
    .option('--stamp', 'add the server write time (wb_t) to every event')
    .action(async (flags: ServeFlags) => {
      const server = await startServer({ ...flags, stamp: flags.stamp === true });
      process.stdout.write(`listening ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        // Started by a harness as its embedded server: leave when it does, even if it died unannounced.
        if (process.connected) process.once('disconnect', stop);
      });
      await server.close();
      // The IPC channel of an embedded server would keep this process alive after the close.
      if (process.connected) process.disconnect();
    });
}
