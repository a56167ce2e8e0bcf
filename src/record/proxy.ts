import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { socketTarget } from '../transport/socket.js';
import { HttpProxy } from './http-proxy.js';
import type { Recorder } from './recorder.js';
import { WsProxy } from './ws-proxy.js';

export interface RecordProxyOptions {
  host: string;
  port: number;
  /** The endpoint everything is forwarded to (http(s)://host[:port], a path prefix kept). */
  target: URL;
  /** For an https target: a CA to trust, or no certificate check at all. */
  tls?: { ca?: string; insecure?: boolean };
  recorder: Recorder;
}

export interface RecordProxy {
  /** Where clients point their base URL: `http://HOST:PORT`. */
  url: string;
  close(): Promise<void>;
}

/**
 * `wirebench record`'s pass-through proxy: a real client's base URL points here; HTTP requests and
 * WebSocket connections go to the target unchanged, and each streamed answer of a protocol wirebench
 * knows is timed on the way through.
 */
export async function startRecordProxy(o: RecordProxyOptions): Promise<RecordProxy> {
  const base = o.target.href.replace(/\/+$/, '');
  const target = socketTarget({ target: o.target, headers: {}, perMessageDeflate: false, tls: o.tls }, ['http/1.1']);
  const prefix = o.target.pathname.replace(/\/+$/, '');
  const http = new HttpProxy(o.target.origin, prefix, target, o.recorder);
  const ws = new WsProxy(base.replace(/^http/, 'ws'), target, o.recorder);
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (req, res) => http.handle(req, res));
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head) => ws.handle(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      ws.close();
      await http.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
