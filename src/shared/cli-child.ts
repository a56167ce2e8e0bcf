import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CliChild {
  /** What the child printed after `listening `: its URL or HOST:PORT. */
  address: string;
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
  if (!existsSync(built)) throw new Error(`a helper process needs a build: ${built} is missing (run npm run build)`);
  return built;
}

/**
 * Starts `wirebench <args>` (serve, proxy) as a helper process and waits for its `listening ADDRESS`
 * line. A process, not a thread: the client's CPU figures (process.cpuUsage) must not include the
 * helper's, and neither may share an event loop or a heap. The IPC channel ties the child's life to ours.
 */
export function startCliChild(args: readonly string[], what: string): Promise<CliChild> {
  // detached: a terminal's Ctrl-C goes to the whole foreground process group; the helper must outlive it
  // to serve the in-flight requests the harness then finishes. The IPC channel still ends it with us.
  const child = spawn(process.execPath, [cliEntry(), ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  // The channel exists so the child notices our death; it must not keep our own process alive.
  child.channel?.unref();
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise<CliChild>((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /^listening (\S+)\n/m.exec(out);
      if (m === null) return;
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      resolve({
        address: m[1],
        close: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    };
    const onExit = (code: number | null): void => reject(new Error(`${what} exited (${code}) before listening: ${stderr.trim()}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}
