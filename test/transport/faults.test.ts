import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';

import { now } from '../../src/core/clock.js';
import type { ConnectionPolicy, RequestInput } from '../../src/core/types.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { openaiResponses } from '../../src/protocols/openai-responses.js';
import { getTransport } from '../../src/transport/registry.js';

/**
 * A deliberately broken endpoint: each path misbehaves in one way, so each failure class can be checked
 * on real sockets, and so can "the run goes on and never hangs".
 */
const created = (id: string): string =>
  `event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"${id}","status":"in_progress"}}\n\n`;
const delta = (n: number): string =>
  `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${n},"item_id":"m","output_index":0,"content_index":0,"delta":" x","logprobs":[]}\n\n`;
const completed =
  'event: response.completed\ndata: {"type":"response.completed","sequence_number":9,"response":{"id":"r1","status":"completed","usage":{"input_tokens":3,"output_tokens":2}}}\n\n';

let server: http.Server;
let upgradeHeaders: http.IncomingHttpHeaders | undefined;
/** Accepts TCP and never says a word: a TLS handshake or an HTTP response that never comes. */
let silent: net.Server;
let silentPort: number;
const silentSockets: net.Socket[] = [];
let wss: WebSocketServer;
let base: URL;
let unusedPort: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      switch (req.url) {
        case '/ok/v1/responses':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end(created('r1') + delta(1) + delta(2) + completed);
          return;
        case '/429/v1/responses':
          res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
          res.end('{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}');
          return;
        case '/500/v1/responses':
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":{"message":"boom","type":"server_error"}}');
          return;
        case '/reset/v1/responses':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(created('r2') + delta(1), () => setTimeout(() => req.socket.destroy(), 20));
          return;
        case '/stall/v1/responses':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(created('r3'));
          return; // never ends: only the client's deadline can finish this request
        case '/truncated/v1/responses':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end(created('r4') + delta(1));
          return;
        case '/badstamp/v1/responses':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end(created('r6') + delta(1).replace('"logprobs":[]}', '"logprobs":[],"wb_t":"1.5"}') + completed);
          return;
        case '/malformed/v1/responses':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end(created('r5') + 'data: {"type":"response.output_text.delta","delta":\n\n' + completed);
          return;
        default:
          res.writeHead(404).end();
      }
    });
  });
  wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    upgradeHeaders = req.headers;
    if (req.url === '/ws426/v1/responses') {
      socket.end('HTTP/1.1 426 Upgrade Required\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', () => {
        if (req.url === '/wsdrop/v1/responses') {
          ws.send(created('w1').split('data: ')[1].trim());
          setTimeout(() => ws.terminate(), 10);
        }
        // /wsstall: accepts the turn and says nothing.
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  silent = net.createServer((socket) => {
    socket.on('error', () => {}); // a client giving up may reset it
    silentSockets.push(socket);
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as AddressInfo).port;
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  unusedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
});

afterAll(async () => {
  // Never read, these sockets never see the client's FIN behind its unread ClientHello: close them here.
  for (const socket of silentSockets) socket.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
  for (const c of wss.clients) c.terminate();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const input: RequestInput = { model: 'm', prompt: 'hi', maxOutputTokens: 5, extra: {} };

async function exchange(
  policy: ConnectionPolicy,
  prefix: string,
  timeoutMs = 2000,
): Promise<{ tl: Timeline; ms: number }> {
  const conn = getTransport(policy).connection(openaiResponses, {
    target: new URL(prefix, base),
    headers: {},
    perMessageDeflate: false,
  });
  const t = now();
  const tl = new Timeline(t, t);
  await conn.exchange(input, tl, AbortSignal.timeout(timeoutMs));
  await conn.close();
  return { tl, ms: (now() - t) / 1e6 };
}

describe('failures are classified, and no request outlives its deadline', () => {
  it.each(['http-fresh', 'http-keepalive'] as const)('%s: a good stream completes with usage', async (policy) => {
    const { tl } = await exchange(policy, '/ok');
    expect(tl.ok).toBe(true);
    expect(tl.deltas).toBe(2);
    expect(tl.usageOutputTokens).toBe(2);
    expect(tl.status).toBe(200);
    expect(tl.connStart).toBeGreaterThan(0);
    expect(tl.connectEnd).toBeGreaterThan(tl.connStart);
    // The request leaves when undici writes its headers, after the connection is up — not when handed over.
    expect(tl.requestSent).toBeGreaterThanOrEqual(tl.connectEnd);
    expect(tl.firstByte).toBeGreaterThan(tl.requestSent);
  });

  it.each([
    // The API's own code when the body has one, else the status.
    ['/429', 'rate_limited', 'rate_limit_exceeded'],
    ['/500', 'server_error', '500'],
    ['/nowhere', 'http_status', '404'],
    ['/reset', 'reset', undefined],
    ['/truncated', 'protocol', undefined],
    ['/malformed', 'protocol', 'malformed_event'],
  ] as const)('%s → %s', async (path, cls, code) => {
    const { tl } = await exchange('http-keepalive', path);
    expect(tl.ok).toBe(false);
    expect(tl.errorClass).toBe(cls);
    if (code !== undefined) expect(tl.errorCode).toBe(code);
    if (path === '/429') expect(tl.errorMessage).toBe('Rate limit reached');
  });

  it('a stalled stream ends as a timeout at the deadline', async () => {
    const { tl, ms } = await exchange('http-keepalive', '/stall', 300);
    expect(tl.errorClass).toBe('timeout');
    expect(tl.ackAt).toBeGreaterThan(0);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(1500);
  });

  it('a host name is resolved and its DNS time recorded; an IP literal gets none invented', async () => {
    const conn = getTransport('http-fresh').connection(openaiResponses, {
      target: new URL(`http://localhost:${base.port}/ok`),
      headers: {},
      perMessageDeflate: false,
    });
    const tl = new Timeline(now(), now());
    await conn.exchange(input, tl, AbortSignal.timeout(2000));
    await conn.close();
    expect(tl.ok, tl.errorMessage).toBe(true);
    expect(tl.dnsEnd).toBeGreaterThan(tl.connStart);
    expect(tl.connectEnd).toBeGreaterThanOrEqual(tl.dnsEnd);
    const literal = await exchange('http-fresh', '/ok');
    expect(literal.tl.dnsEnd).toBe(0);
  });

  it('the deadline also bounds a connection that never completes its TLS handshake', async () => {
    for (const policy of ['http-fresh', 'ws-persistent'] as const) {
      const conn = getTransport(policy).connection(openaiResponses, {
        target: new URL(`https://127.0.0.1:${silentPort}`),
        headers: {},
        perMessageDeflate: false,
      });
      const t = now();
      const tl = new Timeline(t, t);
      await conn.exchange(input, tl, AbortSignal.timeout(300));
      expect(tl.errorClass, policy).toBe('timeout');
      expect((now() - t) / 1e6, policy).toBeLessThan(1500);
      expect(tl.tlsEnd, policy).toBe(0);
      await conn.close();
    }
  });

  it('a malformed server stamp costs its token_delay sample, not the request', async () => {
    const { tl } = await exchange('http-keepalive', '/badstamp');
    expect(tl.ok).toBe(true);
    expect(tl.deltas).toBe(1);
    expect(tl.tokenDelay).toEqual([]);
  });

  it('an HTTP variant reads a ws:// target as the same host over http', async () => {
    const conn = getTransport('http-keepalive').connection(openaiResponses, {
      target: new URL(`ws://127.0.0.1:${base.port}/ok`),
      headers: {},
      perMessageDeflate: false,
    });
    const tl = new Timeline(now(), now());
    await conn.exchange(input, tl, AbortSignal.timeout(2000));
    expect(tl.ok).toBe(true);
    await conn.close();
  });

  it('connection refused is a connect error, on HTTP and WebSocket', async () => {
    for (const policy of ['http-fresh', 'ws-persistent'] as const) {
      const conn = getTransport(policy).connection(openaiResponses, {
        target: new URL(`http://127.0.0.1:${unusedPort}`),
        headers: {},
        perMessageDeflate: false,
      });
      const tl = new Timeline(now(), now());
      await conn.exchange(input, tl, AbortSignal.timeout(2000));
      expect(tl.errorClass, policy).toBe('connect');
      expect(tl.errorCode, policy).toBe('ECONNREFUSED');
      await conn.close();
    }
  });

  it('a rejected WebSocket upgrade keeps its HTTP status', async () => {
    const { tl } = await exchange('ws-persistent', '/ws426');
    expect(tl.errorClass).toBe('http_status');
    expect(tl.status).toBe(426);
  });

  it('a WebSocket dropped mid-turn is a reset; a silent one times out', async () => {
    const dropped = await exchange('ws-persistent', '/wsdrop');
    // The upgrade says what OpenAI's WebSocket mode expects, and offers no compression unless asked.
    expect(upgradeHeaders?.['openai-beta']).toBe('responses_websockets=2026-02-06');
    expect(upgradeHeaders?.['sec-websocket-extensions']).toBeUndefined();
    expect(dropped.tl.errorClass).toBe('reset');
    expect(dropped.tl.ackAt).toBeGreaterThan(0);
    const stalled = await exchange('ws-persistent', '/wsstall', 300);
    expect(stalled.tl.errorClass).toBe('timeout');
    expect(stalled.ms).toBeLessThan(1500);
  });
});
