/**
 * The embedded reference server: a deterministic fake LLM endpoint (OpenAI Responses over SSE and
 * WebSocket, Realtime over WebSocket, Chat Completions over SSE, …) on one port, whose timing is the
 * ground truth the harness's measurements are checked against.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import { type WebSocket, WebSocketServer } from 'ws';

import { startTokenThread } from '../shared/token-thread.js';
import { ServerContext, type ServerStats } from './context.js';
import { rejectUpgrade } from './errors.js';
import { handleHttp, pathOf } from './http.js';
import { DEFAULT_SERVER_OPTIONS, type ServerOptions, type StartOptions, validateOptions } from './options.js';
import { apiKey } from './rate-limit.js';
import { realtimeModel, RealtimeSession } from './realtime-session.js';
import { createTlsServer, selfSignedCertificate } from './tls.js';
import { WsSession } from './ws-session.js';

export type { ServerStats } from './context.js';
export { DEFAULT_SERVER_OPTIONS, type ServerOptions, type StartOptions } from './options.js';
export { CertificateError } from './tls.js';

export interface RunningServer {
  /** e.g. "http://127.0.0.1:41234", or https://… with `tls` */
  url: string;
  host: string;
  port: number;
  /** With `tls`: the server's certificate (PEM), for clients to trust as their `ca`. */
  ca?: string;
  stats(): ServerStats;
  /** Stops every stream, drops every connection (WebSockets without a close handshake) and stops listening. */
  close(): Promise<void>;
}

type WsStart = (ctx: ServerContext, ws: WebSocket, socket: Socket, req: IncomingMessage) => void;

/** The WebSocket endpoints, by upgrade path. */
const WS_ROUTES: ReadonlyMap<string, WsStart> = new Map<string, WsStart>([
  ['/v1/responses', (ctx, ws, socket, req) => new WsSession(ctx, ws, socket, apiKey(req.headers))],
  [
    '/v1/realtime',
    (ctx, ws, socket, req) => new RealtimeSession(ctx, ws, socket, apiKey(req.headers), realtimeModel(req.url)),
  ],
]);

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const { tls = false, ...serverOptions } = options;
  const opts: ServerOptions = { ...DEFAULT_SERVER_OPTIONS, ...serverOptions };
  validateOptions(opts);
  const ctx = new ServerContext(opts);
  // Long prompts are tokenized there (input.ts); the first must not wait for the tokenizer to load.
  await startTokenThread();
  const sockets = new Set<Socket>();
  // ws closes a connection whose message passes the limit with 1009 (message too big), before buffering it.
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxBodyBytes });

  const creds = tls ? await selfSignedCertificate(opts.host) : undefined;
  const handler = (req: IncomingMessage, res: ServerResponse): void => handleHttp(ctx, req, res);
  const server = creds === undefined ? createServer(handler) : createTlsServer(creds, handler);
  // Benchmarks pause between requests (think time, tool time); a connection dropped after Node's 5 s
  // default would turn an http-keepalive run into a partly fresh-connection one. The HTTP/1.1 side of
  // the TLS server reads the same settings from its server object.
  Object.assign(server, { keepAliveTimeout: 65_000, headersTimeout: 66_000, maxConnections: opts.maxConnections });
  server.on('connection', (s: Socket) => {
    ctx.stats.tcpConnections++;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    // Node detaches its own error handling on upgrade and ws attaches its own only in handleUpgrade:
    // a reset during the connect overhead or the 404 would otherwise crash the process.
    socket.on('error', () => socket.destroy());
    const start = WS_ROUTES.get(pathOf(req.url));
    if (start === undefined) {
      rejectUpgrade(socket, 404, 'Not Found', {
        type: 'invalid_request_error',
        code: 'not_found',
        message: `No WebSocket endpoint at ${pathOf(req.url)}.`,
        param: null,
      });
      return;
    }
    if (ctx.refuseUpgrade()) {
      rejectUpgrade(socket, 426, 'Upgrade Required', {
        type: 'invalid_request_error',
        code: 'upgrade_required',
        message: 'WebSocket mode is not available; use HTTP.',
        param: null,
      });
      return;
    }
    const complete = () =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        ctx.stats.wsConnections++;
        start(ctx, ws, socket, req);
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
    url: `${creds === undefined ? 'http' : 'https'}://${host}:${address.port}`,
    host: opts.host,
    port: address.port,
    ca: creds?.cert,
    stats: () => ctx.snapshot(),
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
