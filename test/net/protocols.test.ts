import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';

import { type Relay, startRelay } from '../../src/net/relay.js';
import { selfSignedCertificate } from '../../src/server/tls.js';

/**
 * The relay copies bytes without reading them, so every protocol a variant may use crosses it unchanged
 * and pays the same emulated path: the round trips each one needs are what the timings must show.
 */
const RTT = 40;

let ca: string;
let plain: http.Server;
let secure: https.Server;
let h2: http2.Http2Server;
let wss: WebSocketServer;
const relays: Relay[] = [];

async function listen(server: http.Server | https.Server | http2.Http2Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function relayTo(port: number): Promise<Relay> {
  const relay = await startRelay({ target: { host: '127.0.0.1', port }, rttMs: RTT });
  relays.push(relay);
  return relay;
}

beforeAll(async () => {
  // The certificate `serve --tls` makes: localhost, 127.0.0.1 and ::1, nothing written to disk.
  const { cert, key } = await selfSignedCertificate('localhost');
  ca = cert;
  const answer = (_req: http.IncomingMessage, res: http.ServerResponse): void => void res.end('hello');
  plain = http.createServer(answer);
  secure = https.createServer({ key, cert: ca }, answer);
  h2 = http2.createServer((_req, res) => res.end('hello h2'));
  wss = new WebSocketServer({ server: plain });
  wss.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
  await Promise.all([listen(plain), listen(secure), listen(h2)]);
  await warmUp();
});

/**
 * Node compiles its HTTP, TLS and HTTP/2 stacks on first use, which costs tens of milliseconds on this
 * class of machine: once through each, on a relay with no delay, so the timed runs measure the path.
 */
async function warmUp(): Promise<void> {
  const relay = (server: http.Server | https.Server | http2.Http2Server): Promise<Relay> =>
    startRelay({ target: { host: '127.0.0.1', port: (server.address() as AddressInfo).port }, rttMs: 0 });
  const [p, s, h] = await Promise.all([relay(plain), relay(secure), relay(h2)]);
  relays.push(p, s, h);
  await get(`http://${p.address}/`);
  await get(`https://${s.address}/`, { ca, servername: 'localhost' });
  await h2Get(h);
  const ws = new WebSocket(`ws://${p.address}/`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send('warm');
  await new Promise((resolve) => ws.once('message', resolve));
  ws.terminate();
}

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  for (const c of wss.clients) c.terminate();
  plain.closeAllConnections();
  secure.closeAllConnections();
  await Promise.all([plain, secure, h2].map((s) => new Promise<void>((r) => (s as http.Server).close(() => r()))));
});

function get(url: string, opts: https.RequestOptions = {}): Promise<{ status: number; body: string; ms: number }> {
  const start = performance.now();
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    mod
      .get(url, { agent: false, ...opts }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (s: string) => (body += s));
        res.on('end', () => resolve({ status: res.statusCode!, body, ms: performance.now() - start }));
      })
      .on('error', reject);
  });
}

/** One request on a new HTTP/2 session, closed after. */
async function h2Get(relay: Relay): Promise<string> {
  const session = http2.connect(`http://${relay.address}`);
  try {
    return await new Promise<string>((resolve, reject) => {
      const req = session.request({ ':path': '/' });
      let text = '';
      req.setEncoding('utf8').on('data', (s: string) => (text += s));
      req.on('end', () => resolve(text));
      req.on('error', reject);
    });
  } finally {
    session.close();
  }
}

describe('protocols through the relay (real sockets)', { retry: 2 }, () => {
  it('HTTP/1.1 on a fresh connection: one RTT, since the TCP handshake itself is not delayed', async () => {
    const relay = await relayTo((plain.address() as AddressInfo).port);
    const res = await get(`http://${relay.address}/`);
    expect(res).toMatchObject({ status: 200, body: 'hello' });
    expect(res.ms).toBeGreaterThanOrEqual(RTT);
    expect(res.ms).toBeLessThan(RTT + 15);
  });

  it('TLS: the handshake pays its round trip, the request another, SNI and certificate untouched', async () => {
    const relay = await relayTo((secure.address() as AddressInfo).port);
    const start = performance.now();
    const socket = tls.connect({ host: relay.host, port: relay.port, servername: 'localhost', ca });
    const handshake = await new Promise<number>((resolve, reject) => {
      socket.once('secureConnect', () => resolve(performance.now() - start));
      socket.once('error', reject);
    });
    expect(socket.getProtocol()).toBe('TLSv1.3');
    expect(handshake).toBeGreaterThanOrEqual(RTT);
    expect(handshake).toBeLessThan(RTT + 15);
    // The request on the established session: one more round trip, however long the crypto took.
    const sent = performance.now();
    socket.end('GET / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n');
    let response = '';
    socket.setEncoding('utf8').on('data', (s: string) => (response += s));
    await new Promise((resolve) => socket.once('end', resolve));
    const ms = performance.now() - sent;
    expect(response).toMatch(/^HTTP\/1\.1 200 [\s\S]*hello$/);
    expect(ms).toBeGreaterThanOrEqual(RTT);
    expect(ms).toBeLessThan(RTT + 15);
  });

  it('HTTP/2 (h2c): the preface, settings and request travel together, one RTT', async () => {
    const relay = await relayTo((h2.address() as AddressInfo).port);
    const start = performance.now();
    const body = await h2Get(relay);
    const ms = performance.now() - start;
    expect(body).toBe('hello h2');
    expect(ms).toBeGreaterThanOrEqual(RTT);
    expect(ms).toBeLessThan(RTT + 15);
  });

  it('WebSocket: the upgrade costs one RTT and every message round trip another', async () => {
    const relay = await relayTo((plain.address() as AddressInfo).port);
    const start = performance.now();
    const ws = new WebSocket(`ws://${relay.address}/`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const upgrade = performance.now() - start;
    expect(upgrade).toBeGreaterThanOrEqual(RTT);
    expect(upgrade).toBeLessThan(RTT + 15);
    for (let i = 0; i < 3; i++) {
      const sent = performance.now();
      ws.send(`turn ${i}`);
      const echoed = await new Promise<string>((resolve) =>
        ws.once('message', (m) => resolve((m as Buffer).toString())),
      );
      const ms = performance.now() - sent;
      expect(echoed).toBe(`turn ${i}`);
      expect(ms).toBeGreaterThanOrEqual(RTT);
      expect(ms).toBeLessThan(RTT + 15);
    }
    ws.terminate();
  });
});
