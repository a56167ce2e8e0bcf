/**
 * The embedded reference server: a deterministic fake LLM endpoint (OpenAI Responses over SSE and
 * WebSocket, Chat Completions over SSE) on one port, whose timing is the ground truth the harness's
 * measurements are checked against.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { DEFAULT_SERVER_OPTIONS, ServerContext, validateOptions, type ServerOptions, type ServerStats } from './context.js';
import { handleHttp, pathOf } from './http.js';
import { WsSession } from './ws-session.js';

export { DEFAULT_SERVER_OPTIONS, type ServerOptions, type ServerStats } from './context.js';

export interface RunningServer {
  /** e.g. "http://127.0.0.1:41234" */
  url: string;
  host: string;
  port: number;
  stats(): ServerStats;
  /** Stops every stream, drops every connection (WebSockets without a close handshake) and stops listening. */
  close(): Promise<void>;
}

const WS_PATH = '/v1/responses';

export async function startServer(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const opts: ServerOptions = { ...DEFAULT_SERVER_OPTIONS, ...options };
  validateOptions(opts);
  const ctx = new ServerContext(opts);
  const sockets = new Set<Socket>();
  const wss = new WebSocketServer({ noServer: true });

  const server = createServer((req, res) => handleHttp(ctx, req, res));
  // Benchmarks pause between requests (think time, tool time); a connection dropped after Node's 5 s
  // default would turn an http-keepalive run into a partly fresh-connection one.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('connection', (s: Socket) => {
    ctx.stats.tcpConnections++;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    // Node detaches its own error handling on upgrade and ws attaches its own only in handleUpgrade:
    // a reset during the connect overhead or the 404 would otherwise crash the process.
    socket.on('error', () => socket.destroy());
    if (pathOf(req.url) !== WS_PATH) {
      const body = JSON.stringify({ error: { type: 'invalid_request_error', code: 'not_found', message: `No WebSocket endpoint at ${pathOf(req.url)}.`, param: null } });
      socket.end(`HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    const complete = () =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        ctx.stats.wsConnections++;
        new WsSession(ctx, ws, socket);
      });
    if (opts.wsConnectOverheadMs === 0) {
      complete();
      return;
    }
    const timer = setTimeout(complete, opts.wsConnectOverheadMs);
    socket.once('close', () => clearTimeout(timer));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('reference server: no TCP address');
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    host: opts.host,
    port: address.port,
    stats: () => ({ ...ctx.stats }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const g of ctx.live) ctx.stop(g);
        for (const ws of wss.clients) ws.terminate();
        for (const s of sockets) s.destroy();
        wss.close();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
