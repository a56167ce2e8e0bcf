import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { now } from '../../src/core/clock.js';
import type { RequestInput, RequestTimings, TransportOptions } from '../../src/core/types.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { openaiResponses } from '../../src/protocols/openai-responses.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { selfSignedCertificate } from '../../src/server/tls.js';
import { getTransport } from '../../src/transport/registry.js';

/**
 * The http2 policy: the virtual users of one variant share one multiplexed connection to the reference
 * server over TLS; each request still gets its own record.
 */
const TTFT_MS = 150;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ tls: true, ttftMs: TTFT_MS, tps: 5000, outputTokens: 5 });
});

afterAll(() => server.close());

const input: RequestInput = { model: 'm', prompt: 'hi', maxOutputTokens: 5, extra: {} };

function options(tls: TransportOptions['tls'] = { ca: server.ca }, target = server.url): TransportOptions {
  return { target: new URL(target), headers: {}, perMessageDeflate: false, tls };
}

function record(): Timeline {
  const t = now();
  return new Timeline(t, t);
}

/** The optional TLS facts, which the Timeline class does not declare. */
function facts(tl: Timeline): Pick<RequestTimings, 'alpn' | 'tlsVersion' | 'tlsResumed'> {
  return tl;
}

describe('http2', () => {
  it('runs 8 virtual users as concurrent streams on one connection', { retry: 2 }, async () => {
    const before = server.stats().tcpConnections;
    const opts = options();
    const conns = Array.from({ length: 8 }, () => getTransport('http2').connection(openaiResponses, opts));
    const tls = conns.map(() => record());
    const t = now();
    await Promise.all(conns.map((c, i) => c.exchange(input, tls[i], AbortSignal.timeout(5000))));
    const wallMs = (now() - t) / 1e6;
    await Promise.all(conns.map((c) => c.close()));

    expect(server.stats().tcpConnections - before).toBe(1);
    for (const tl of tls) {
      expect(tl.ok, `${tl.errorClass} ${tl.errorMessage}`).toBe(true);
      expect(tl.usageOutputTokens).toBe(5);
      expect(tl.deltas).toBe(5);
      expect(facts(tl).alpn).toBe('h2');
      expect(facts(tl).tlsVersion).toBe('TLSv1.3');
      expect(tl.requestSent).toBeGreaterThan(0);
      expect(tl.firstByte).toBeGreaterThan(tl.requestSent);
    }
    // The request that opened the connection carries its phases; the others joined it.
    const openers = tls.filter((tl) => !tl.reused);
    expect(openers).toHaveLength(1);
    const [opener] = openers;
    expect(opener.connectEnd).toBeGreaterThan(opener.connStart);
    expect(opener.tlsEnd).toBeGreaterThan(opener.connectEnd);
    expect(opener.requestSent).toBeGreaterThanOrEqual(opener.tlsEnd);
    for (const tl of tls.filter((x) => x.reused)) expect(tl.connStart).toBe(0);
    // Multiplexed, not one after another: eight sequential responses would take 8 × TTFT.
    expect(wallMs).toBeLessThan(3 * TTFT_MS);
  });

  it('a stream cut short leaves the connection to the others', async () => {
    const before = server.stats().tcpConnections;
    const opts = options();
    const a = getTransport('http2').connection(openaiResponses, opts);
    const b = getTransport('http2').connection(openaiResponses, opts);
    const cut = record();
    const whole = record();
    await Promise.all([
      a.exchange(input, cut, AbortSignal.timeout(TTFT_MS / 2)),
      b.exchange(input, whole, AbortSignal.timeout(5000)),
    ]);
    expect(cut.errorClass).toBe('timeout');
    expect(whole.ok, whole.errorMessage).toBe(true);
    const again = record();
    await a.exchange(input, again, AbortSignal.timeout(5000));
    expect(again.ok, again.errorMessage).toBe(true);
    expect(again.reused).toBe(true);
    await Promise.all([a.close(), b.close()]);
    expect(server.stats().tcpConnections - before).toBe(1);
  });

  it('variants do not share: each options object has a connection of its own', async () => {
    const before = server.stats().tcpConnections;
    const conns = [options(), options()].map((o) => getTransport('http2').connection(openaiResponses, o));
    const tls = conns.map(() => record());
    await Promise.all(conns.map((c, i) => c.exchange(input, tls[i], AbortSignal.timeout(5000))));
    await Promise.all(conns.map((c) => c.close()));
    expect(tls.every((tl) => tl.ok && !tl.reused)).toBe(true);
    expect(server.stats().tcpConnections - before).toBe(2);
  });

  it('the last user to leave closes the connection; the next one opens a new one', async () => {
    const opts = options();
    for (let round = 0; round < 2; round++) {
      const conn = getTransport('http2').connection(openaiResponses, opts);
      const tl = record();
      await conn.exchange(input, tl, AbortSignal.timeout(5000));
      await conn.close();
      expect(tl.ok, tl.errorMessage).toBe(true);
      expect(tl.reused, `round ${round}`).toBe(false);
    }
  });

  it('an untrusted certificate is a connect error for every request waiting on the connection', async () => {
    const opts = options({});
    const conns = [0, 1].map(() => getTransport('http2').connection(openaiResponses, opts));
    const tls = conns.map(() => record());
    await Promise.all(conns.map((c, i) => c.exchange(input, tls[i], AbortSignal.timeout(5000))));
    await Promise.all(conns.map((c) => c.close()));
    for (const tl of tls) {
      expect(tl.errorClass).toBe('connect');
      expect(tl.errorCode).toMatch(/CERT|SELF_SIGNED/);
    }
  });

  it('a server that does not choose h2 is a connect error, not a silent HTTP/1.1 run', async () => {
    const creds = await selfSignedCertificate('127.0.0.1');
    const h1only = https.createServer(creds, (_req, res) => res.end());
    await new Promise<void>((r) => h1only.listen(0, '127.0.0.1', r));
    try {
      const conn = getTransport('http2').connection(
        openaiResponses,
        options({ ca: creds.cert }, `https://127.0.0.1:${(h1only.address() as AddressInfo).port}`),
      );
      const tl = record();
      await conn.exchange(input, tl, AbortSignal.timeout(5000));
      await conn.close();
      expect(tl.errorClass).toBe('connect');
      expect(tl.errorCode).toBe('ERR_H2_NOT_NEGOTIATED');
      expect(tl.errorMessage).toMatch(/did not negotiate h2/);
    } finally {
      h1only.closeAllConnections();
      await new Promise<void>((r) => h1only.close(() => r()));
    }
  });

  it('a GOAWAY fails the streams in flight, none is sent twice; the next request connects again', async () => {
    const creds = await selfSignedCertificate('127.0.0.1');
    let received = 0;
    const sse = (type: string, extra = ''): string => `event: ${type}\ndata: {"type":"${type}"${extra}}\n\n`;
    const goaway = http2.createSecureServer(creds, (req, res) => {
      received++;
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse('response.created', ',"response":{"id":"r"}'));
      if (received === 3) setTimeout(() => req.stream.session?.goaway(), 20);
      setTimeout(
        () => res.end(sse('response.completed', ',"response":{"id":"r","usage":{"input_tokens":1,"output_tokens":0}}')),
        100,
      );
    });
    await new Promise<void>((r) => goaway.listen(0, '127.0.0.1', r));
    try {
      const opts = options({ ca: creds.cert }, `https://127.0.0.1:${(goaway.address() as AddressInfo).port}`);
      const conns = [0, 1, 2].map(() => getTransport('http2').connection(openaiResponses, opts));
      const tls = conns.map(() => record());
      await Promise.all(conns.map((c, i) => c.exchange(input, tls[i], AbortSignal.timeout(5000))));
      for (const tl of tls) expect(tl.errorClass, tl.errorMessage).toBe('reset');
      expect(received).toBe(3);
      const next = record();
      await conns[0].exchange(input, next, AbortSignal.timeout(5000));
      expect(next.ok, next.errorMessage).toBe(true);
      expect(next.reused).toBe(false);
      expect(received).toBe(4);
      await Promise.all(conns.map((c) => c.close()));
    } finally {
      await new Promise<void>((r) => goaway.close(() => r()));
    }
  });

  it('refuses a cleartext target: h2c is not supported', () => {
    expect(() => getTransport('http2').connection(openaiResponses, options(undefined, 'http://127.0.0.1:1'))).toThrow(
      /http2 needs an https:\/\/ target/,
    );
  });
});
