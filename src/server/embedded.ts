import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ServerOptions, ServerStats } from './index.js';

export interface EmbeddedServer {
  url: string;
  stats(): Promise<ServerStats>;
  close(): Promise<void>;
}

/**
 * The compiled worker entry. Under vitest this module runs from src/*.ts, which a worker thread cannot
 * load, so it points at the build output instead (`npm test` builds first).
 */
function entry(): string {
  const here = fileURLToPath(import.meta.url);
  const beside = path.join(path.dirname(here), 'thread.js');
  if (existsSync(beside)) return beside;
  const root = path.resolve(path.dirname(here), '..', '..');
  const built = path.join(root, 'dist', 'src', 'server', 'thread.js');
  if (!existsSync(built)) throw new Error(`embedded server needs a build: ${built} is missing (run npm run build)`);
  return built;
}

/** Starts the reference server in a worker thread on an ephemeral loopback port. */
export function startEmbeddedServer(opts: Partial<ServerOptions>): Promise<EmbeddedServer> {
  const worker = new Worker(entry(), { workerData: { host: '127.0.0.1', port: 0, ...opts } });
  const reply = <T>(type: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (msg: { type: string } & T): void => {
        if (msg.type !== type) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(msg);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  return reply<{ url: string }>('listening').then(({ url }) => ({
    url,
    stats: async () => {
      const answer = reply<{ stats: ServerStats }>('stats');
      worker.postMessage({ type: 'stats' });
      return (await answer).stats;
    },
    close: async () => {
      const closed = reply('closed');
      worker.postMessage({ type: 'close' });
      await closed;
      await worker.terminate();
    },
  }));
}
