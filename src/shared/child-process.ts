import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildService {
  /** What the child printed after `listening `: its URL or HOST:PORT. */
  address: string;
  close(): Promise<void>;
}

/**
 * The compiled entry module `entry` (a path under src/, e.g. `server/main.js`). Under vitest this module
 * runs from src/*.ts, which plain node cannot load, so it points at the build output instead (`npm test`
 * builds first).
 */
function builtEntry(entry: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, '..', entry);
  if (existsSync(beside)) return beside;
  const built = path.join(here, '..', '..', 'dist', 'src', entry);
  if (!existsSync(built)) throw new Error(`a helper process needs a build: ${built} is missing (run npm run build)`);
  return built;
}

/**
 * Starts the entry module `entry` with `options` (JSON, its only argument) as a helper process and waits
 * for its `listening ADDRESS` line. A process, not a thread: the client's CPU figures
 * (process.cpuUsage) must not include the helper's, and neither may share an event loop or a heap. The
 * IPC channel ties the child's life to ours.
 */
export function startChild(entry: string, options: unknown, what: string): Promise<ChildService> {
  // detached: a terminal's Ctrl-C goes to the whole foreground process group; the helper must outlive it
  // to serve the in-flight requests the harness then finishes. The IPC channel still ends it with us.
  const child = spawn(process.execPath, [builtEntry(entry), JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  // The channel exists so the child notices our death; it must not keep our own process alive.
  child.channel?.unref();
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise<ChildService>((resolve, reject) => {
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
    const onExit = (code: number | null): void =>
      reject(new Error(`${what} exited (${code}) before listening: ${stderr.trim()}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * Prints `listening ADDRESS` and serves until SIGINT or SIGTERM — or, for a helper process, until the
 * harness that started it goes away, even unannounced — then closes.
 */
export async function serveUntilStopped(address: string, close: () => Promise<void>): Promise<void> {
  process.stdout.write(`listening ${address}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (process.connected) process.once('disconnect', stop);
  });
  await close();
  // The IPC channel of a helper process would keep it alive after the close.
  if (process.connected) process.disconnect();
}
