import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { type RunningServer, startServer } from '../../src/server/index.js';
import { assertBuilt, startCli, tempDir, waitFor } from '../cli/helpers.js';

/**
 * `serve --tls`: one port, h2 and HTTP/1.1 chosen by ALPN, WebSocket upgrades over TLS, trusted through
 * the certificate the server made at start-up.
 */
let server: RunningServer;
let ca: string;

const BODY = JSON.stringify({ model: 'wirebench-ref', input: 'hello', stream: true, max_output_tokens: 5 });

beforeAll(async () => {
  server = await startServer({ tls: true, ttftMs: 5, tps: 5000, outputTokens: 5 });
  ca = server.ca as string;
});

afterAll(() => server.close());

/** Event names of an SSE body, in order. */
function eventNames(text: string): string[] {
  return [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
}

function h2Post(session: http2.ClientHttp2Session, body = BODY): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': '/v1/responses', 'content-type': 'application/json' });
    let status = 0;
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (s: string) => (text += s));
    stream.on('end', () => resolve({ status, text }));
    stream.on('error', reject);
    stream.end(body);
  });
}

function h2Connect(url: string, trust: string): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, { ca: trust });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

function h1Post(): Promise<{ status: number; alpn: string | false | null; text: string }> {
  // A client that offers only HTTP/1.1 over ALPN, as most HTTPS clients do.
  const agent = new https.Agent({ ca, ALPNProtocols: ['http/1.1'], keepAlive: false });
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL('/v1/responses', server.url),
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => (text += s));
        res.on('end', () => {
          const socket = res.socket as TLSSocket;
          resolve({ status: res.statusCode ?? 0, alpn: socket.alpnProtocol, text });
        });
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

describe('reference server over TLS', () => {
  it('is https, with a fresh self-signed certificate for the loopback names', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const cert = new X509Certificate(ca);
    expect(cert.subject).toBe('CN=wirebench');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('IP Address:0:0:0:0:0:0:0:1');
    expect(cert.checkIssued(cert)).toBe(true);
  });

  it('streams SSE over h2 and over HTTP/1.1 on the same port', async () => {
    const session = await h2Connect(server.url, ca);
    try {
      expect(session.alpnProtocol).toBe('h2');
      // Several streams at once on the one session.
      const answers = await Promise.all([h2Post(session), h2Post(session), h2Post(session)]);
      for (const a of answers) {
        expect(a.status).toBe(200);
        const names = eventNames(a.text);
        expect(names[0]).toBe('response.created');
        expect(names.at(-1)).toBe('response.completed');
        expect(names.filter((n) => n === 'response.output_text.delta')).toHaveLength(5);
      }
    } finally {
      session.close();
    }
    const h1 = await h1Post();
    expect(h1.alpn).toBe('http/1.1');
    expect(h1.status).toBe(200);
    expect(eventNames(h1.text).at(-1)).toBe('response.completed');
  });

  it('answers errors over h2 with their status and body', async () => {
    const session = await h2Connect(server.url, ca);
    try {
      const bad = await h2Post(session, '{not json');
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.text).error.code).toBe('invalid_json');
    } finally {
      session.close();
    }
  });

  it('survives an h2 stream cancelled mid-response, and keeps serving the session', async () => {
    const session = await h2Connect(server.url, ca);
    try {
      await new Promise<void>((resolve) => {
        const stream = session.request({ ':method': 'POST', ':path': '/v1/responses' });
        stream.once('data', () => {
          stream.close(http2.constants.NGHTTP2_CANCEL);
          resolve();
        });
        stream.on('error', () => {});
        stream.end(JSON.stringify({ model: 'm', input: 'hi', stream: true }));
      });
      await new Promise((r) => setTimeout(r, 50));
      const after = await h2Post(session);
      expect(eventNames(after.text).at(-1)).toBe('response.completed');
    } finally {
      session.close();
    }
  });

  it('upgrades to a WebSocket over TLS', async () => {
    const ws = new WebSocket(`${server.url.replace('https', 'wss')}/v1/responses`, { ca });
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const types: string[] = [];
      await new Promise<void>((resolve) => {
        ws.on('message', (data) => {
          const type = JSON.parse((data as Buffer).toString()).type as string;
          types.push(type);
          if (type === 'response.completed' || type === 'error') resolve();
        });
        ws.send(JSON.stringify({ type: 'response.create', model: 'wirebench-ref', input: 'hi', max_output_tokens: 5 }));
      });
      expect(types[0]).toBe('response.created');
      expect(types.at(-1)).toBe('response.completed');
    } finally {
      ws.terminate();
    }
  });

  it('is not trusted without its certificate', async () => {
    await expect(h2Connect(server.url, '')).rejects.toThrow(/self-signed|certificate/i);
  });

  it('closes at once with h2 sessions and HTTP/1.1 connections still open', async () => {
    const s = await startServer({ tls: true, ttftMs: 5, tps: 5000, outputTokens: 5 });
    const session = await h2Connect(s.url, s.ca as string);
    session.on('error', () => {});
    await h2Post(session);
    const t = Date.now();
    await s.close();
    expect(Date.now() - t).toBeLessThan(1000);
    expect(s.stats().tcpConnections).toBe(1);
  });
});

describe('wirebench serve --tls', () => {
  beforeAll(assertBuilt);

  it('announces https and writes the certificate a client then trusts', async () => {
    const { dir, cleanup } = tempDir();
    const certFile = path.join(dir, 'ca.pem');
    const serve = startCli(['serve', '--tls', '--cert-out', certFile, '--ttft-ms', '5', '--output-tokens', '3'], {
      timeoutMs: 15_000,
    });
    try {
      await waitFor(() => serve.stdout().includes('\n'), 10_000, 'the listening line');
      const m = /^listening (https:\/\/127\.0\.0\.1:\d+)\n$/.exec(serve.stdout());
      expect(m, serve.stdout() + serve.stderr()).not.toBeNull();
      const pem = readFileSync(certFile, 'utf8');
      expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(pem).not.toMatch(/PRIVATE KEY/);
      const session = await h2Connect(m![1], pem);
      try {
        expect(eventNames((await h2Post(session)).text).at(-1)).toBe('response.completed');
      } finally {
        session.close();
      }
    } finally {
      serve.child.kill('SIGTERM');
      cleanup();
    }
    const o = await serve.done;
    expect(o.code, o.stderr).toBe(0);
  });

  it('--cert-out without --tls is a usage error', async () => {
    const o = await startCli(['serve', '--cert-out', '/dev/null'], { timeoutMs: 10_000 }).done;
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/--cert-out needs --tls/);
  });
});
