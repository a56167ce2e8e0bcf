/**
 * `wirebench serve` as a process of its own, started through the built CLI exactly as a user would start
 * it: its CPU and event loop are then nobody else's, so the clients being compared all meet the same
 * server and none of them is billed for it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI (bench/ compiles to dist/bench/, beside dist/src/). */
export const CLI = fileURLToPath(new URL('../../src/cli/index.js', import.meta.url));

export interface ServeProcess {
  /** `http://127.0.0.1:PORT`, as `serve` announced it. */
  url: string;
  /** The server's CPU seconds so far (utime + stime from /proc), undefined where /proc is missing. */
  cpuSeconds(): number | undefined;
  close(): Promise<void>;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** utime + stime of a process, seconds (from /proc), undefined where /proc is missing. */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Starts `wirebench serve --host 127.0.0.1 --port 0 <flags>` and waits for its `listening URL` line. */
export async function startServe(flags: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--port', '0', ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null): void =>
      reject(new Error(`wirebench serve exited (${code}) before listening: ${stderr.trim()}`));
    child.once('exit', onExit);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^listening (\S+)\n/m.exec(out);
      if (m === null) return;
      child.off('exit', onExit);
      resolve(m[1]);
    });
  });
  return {
    url,
    cpuSeconds: () => procCpuSeconds(child.pid!),
    close: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
