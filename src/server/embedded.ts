import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatFaults } from './faults.js';
import type { ServerOptions } from './index.js';

export interface EmbeddedServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The compiled CLI. Under vitest this module runs from src/*.ts, which plain node cannot load, so it
 * points at the build output instead (`npm test` builds first).
 */
function cliEntry(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, '..', 'cli', 'index.js');
  if (existsSync(beside)) return beside;
  const built = path.join(here, '..', '..', 'dist', 'src', 'cli', 'index.js');
  if (!existsSync(built)) throw new Error(`embedded server needs a build: ${built} is missing (run npm run build)`);
  return built;
}

const FLAGS: Record<Exclude<keyof ServerOptions, 'host' | 'port' | 'stamp' | 'faults'>, string> = {
  ttftMs: '--ttft-ms',
  prefillTps: '--prefill-tps',
  tps: '--tps',
  jitter: '--jitter',
  chunkTokens: '--chunk-tokens',
  outputTokens: '--output-tokens',
  httpOverheadMs: '--http-overhead-ms',
  wsOverheadMs: '--ws-overhead-ms',
  wsConnectOverheadMs: '--ws-connect-overhead-ms',
  seed: '--seed',
  maxConcurrent: '--max-concurrent',
  rateLimit: '--rate-limit',
};

/**
 * Starts the reference server as `wirebench serve` in a child process on an ephemeral loopback port.
 * A process, not a thread: the client's CPU figures (process.cpuUsage) must not include the server's,
 * and neither may share an event loop or a heap. The IPC channel ties the child's life to ours.
 */
export function startEmbeddedServer(opts: Partial<ServerOptions>): Promise<EmbeddedServer> {
  const args = [cliEntry(), 'serve', '--host', '127.0.0.1', '--port', '0'];
  for (const [key, flag] of Object.entries(FLAGS)) {
    const value = opts[key as keyof typeof FLAGS];
    if (value !== undefined) args.push(flag, String(value));
  }
  if (opts.stamp) args.push('--stamp');
  if (opts.faults !== undefined && Object.keys(opts.faults).length > 0) args.push('--fault', formatFaults(opts.faults));
  // detached: a terminal's Ctrl-C goes to the whole foreground process group; the server must outlive it
  // to serve the in-flight requests the harness then finishes. The IPC channel still ends it with us.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  // The channel exists so the child notices our death; it must not keep our own process alive.
  child.channel?.unref();
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise<EmbeddedServer>((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /^listening (\S+)\n/m.exec(out);
      if (m === null) return;
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      resolve({
        url: m[1],
        close: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`embedded server exited (${code}) before listening: ${stderr.trim()}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}
