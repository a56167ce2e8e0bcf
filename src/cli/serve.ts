import type { Command } from 'commander';
import { DEFAULT_SERVER_OPTIONS as D, startServer, type ServerOptions } from '../server/index.js';
import { intArg, numArg } from './args.js';

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
    .action(async (flags: ServerOptions) => {
      const server = await startServer(flags);
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
