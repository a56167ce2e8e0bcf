/**
 * Worker-thread entry of the embedded reference server: it gets an event loop of its own, so the
 * server's timers and writes never delay the client's timestamps (and vice versa).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startServer, type ServerOptions } from './index.js';

const port = parentPort;
if (port === null) throw new Error('thread.ts must run as a worker thread');
const server = await startServer(workerData as Partial<ServerOptions>);
port.postMessage({ type: 'listening', url: server.url });
port.on('message', (msg: { type: string }) => {
  if (msg.type === 'stats') port.postMessage({ type: 'stats', stats: server.stats() });
  if (msg.type === 'close') {
    void server.close().then(() => {
      port.postMessage({ type: 'closed' });
      port.close();
    });
  }
});
