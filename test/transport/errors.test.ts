import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';

import { errors as undici } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { now } from '../../src/core/clock.js';
import type { ConnectionPolicy } from '../../src/core/types.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { openaiResponses } from '../../src/protocols/openai-responses.js';
import { classifyError, RequestTimeout, statusClass } from '../../src/transport/errors.js';
import { getTransport } from '../../src/transport/registry.js';

/** An error as Node and undici raise them: a message, a `code`, a `name`. */
const coded = (code: string): Error => Object.assign(new Error(`failed: ${code}`), { code });

describe('statusClass', () => {
  it.each([
    [429, 'rate_limited'],
    [500, 'server_error'],
    [503, 'server_error'],
    [529, 'server_error'], // Anthropic's "overloaded"
    [400, 'http_status'],
    [401, 'http_status'],
    [404, 'http_status'],
    [499, 'http_status'],
  ] as const)('%d is %s', (status, cls) => {
    expect(statusClass(status)).toBe(cls);
  });
});

describe('classifyError', () => {
  it('the harness deadline is a timeout, also when it arrives as a look-alike (an abort reason re-thrown)', () => {
    expect(classifyError(new RequestTimeout(), true)).toEqual({
      cls: 'timeout',
      code: 'timeout',
      message: 'request timed out',
    });
    expect(classifyError({ name: 'RequestTimeout', message: 'late' }, false).cls).toBe('timeout');
  });

  it.each([
    'ECONNREFUSED',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'EADDRNOTAVAIL',
    'ETIMEDOUT',
    'UND_ERR_CONNECT_TIMEOUT',
  ])('%s is connect, whatever the connection state says: nothing was sent', (code) => {
    for (const connected of [false, true]) expect(classifyError(coded(code), connected).cls).toBe('connect');
  });

  // TLS fails after TCP connected (ws sees `connect` first), yet the request never left.
  it.each([
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_HAS_EXPIRED',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE', // "unable to verify the first certificate": a chain sent incomplete
    'INVALID_CA',
  ])('the certificate failure %s is connect even after TCP connected', (code) => {
    expect(classifyError(coded(code), true)).toMatchObject({ cls: 'connect', code });
  });

  it.each(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'])(
    '%s once the request went out is reset',
    (code) => {
      expect(classifyError(coded(code), true).cls).toBe('reset');
    },
  );

  it('before the request went out, any failure but a reset is connect', () => {
    expect(classifyError(new undici.SocketError('other side closed'), false).cls).toBe('connect');
    expect(classifyError(new undici.ClientDestroyedError(), false).cls).toBe('connect');
    // A pooled socket the server had closed fails its next request with a reset: it was sent.
    expect(classifyError(coded('ECONNRESET'), false).cls).toBe('reset');
  });

  it('reads the code of undici’s own error classes, else their name', () => {
    expect(classifyError(new undici.ConnectTimeoutError(), true)).toMatchObject({
      cls: 'connect',
      code: 'UND_ERR_CONNECT_TIMEOUT',
    });
    expect(classifyError(new undici.SocketError('other side closed'), true)).toEqual({
      cls: 'reset',
      code: 'UND_ERR_SOCKET',
      message: 'other side closed',
    });
    expect(classifyError(new TypeError('boom'), true)).toMatchObject({ cls: 'reset', code: 'TypeError' });
  });

  it.each([
    'HPE_HEADER_OVERFLOW',
    'HPE_INVALID_CONSTANT',
    'UND_ERR_HEADERS_OVERFLOW',
    'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
  ])('a response that breaks the protocol (%s) is protocol, at any stage', (code) => {
    for (const connected of [false, true])
      expect(classifyError(coded(code), connected)).toMatchObject({ cls: 'protocol', code });
  });

  it.each(['EMFILE', 'ENFILE', 'ENOMEM', 'ENOBUFS'])(
    'the client running out (%s) is client, never the endpoint’s',
    (code) => {
      for (const connected of [false, true])
        expect(classifyError(coded(code), connected)).toMatchObject({ cls: 'client', code });
    },
  );

  it('survives whatever was thrown: strings, null, bare objects', () => {
    expect(classifyError('gone', true)).toEqual({ cls: 'reset', code: 'error', message: 'gone' });
    expect(classifyError(null, false)).toEqual({ cls: 'connect', code: 'error', message: 'null' });
    expect(classifyError({}, true)).toEqual({ cls: 'reset', code: 'error', message: '[object Object]' });
  });
});

/** One request of `policy` to `target` through the real transport: how it failed. */
async function failure(policy: ConnectionPolicy, target: string): Promise<Timeline> {
  const conn = getTransport(policy).connection(openaiResponses, {
    target: new URL(target),
    headers: {},
    perMessageDeflate: false,
  });
  const tl = new Timeline(now(), now());
  await conn.exchange({ model: 'm', prompt: 'p', maxOutputTokens: 1, extra: {} }, tl, AbortSignal.timeout(5000));
  await conn.close();
  return tl;
}

const listen = async (server: net.Server): Promise<number> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
};
const close = (server: net.Server): Promise<void> => new Promise((r) => server.close(() => r()));

describe('real failures through the transports', () => {
  it.each(['http-fresh', 'ws-per-request'] as const)('%s: a refused port is connect', async (policy) => {
    const server = net.createServer();
    const port = await listen(server);
    await close(server);
    const tl = await failure(policy, `http://127.0.0.1:${port}`);
    expect(tl).toMatchObject({ errorClass: 'connect', errorCode: 'ECONNREFUSED' });
  });

  it('http-fresh: a server that drops the connection after reading the request is reset', async () => {
    const server = net.createServer((socket) => socket.once('data', () => socket.destroy()));
    const port = await listen(server);
    try {
      const tl = await failure('http-fresh', `http://127.0.0.1:${port}`);
      expect(tl).toMatchObject({ errorClass: 'reset', errorCode: 'UND_ERR_SOCKET' });
    } finally {
      await close(server);
    }
  });

  it('http-fresh: response headers beyond the client’s limit are protocol, with undici’s code', async () => {
    // undici drops the connection mid-header, so the write may end in ECONNRESET/EPIPE: expected here.
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.end(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(100_000)}\r\n\r\n`));
    });
    const port = await listen(server);
    try {
      const tl = await failure('http-fresh', `http://127.0.0.1:${port}`);
      expect(tl).toMatchObject({ errorClass: 'protocol', errorCode: 'UND_ERR_HEADERS_OVERFLOW' });
    } finally {
      await close(server);
    }
  });

  describe('a TLS server that sends its certificate without the CA that issued it', () => {
    let server: tls.Server;
    let port: number;
    beforeAll(async () => {
      // A CA and a leaf it signs, made per run by openssl (as test/transport/tls.test.ts does).
      const dir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-chain-'));
      const file = (name: string): string => path.join(dir, name);
      const openssl = (args: string[]) => promisify(execFile)('openssl', args);
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'];
      try {
        await openssl(['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-subj', '/CN=ca']);
        await openssl([
          'req',
          '-x509',
          ...ec,
          ...['-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-keyout', file('leaf.key'), '-out', file('leaf.pem')],
          ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
        ]);
        const [key, cert] = await Promise.all([readFile(file('leaf.key')), readFile(file('leaf.pem'))]);
        server = tls.createServer({ key, cert }, (socket) => socket.destroy());
        port = await listen(server);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
    afterAll(() => close(server));

    it('fails with UNABLE_TO_VERIFY_LEAF_SIGNATURE, a connect failure', async () => {
      const err = await new Promise<Error>((resolve) =>
        tls.connect({ port, host: '127.0.0.1', servername: 'localhost' }).once('error', resolve),
      );
      expect(classifyError(err, true)).toMatchObject({ cls: 'connect', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    });

    it.each(['http-fresh', 'ws-per-request'] as const)('%s reports it as connect', async (policy) => {
      const tl = await failure(policy, `${policy.startsWith('ws') ? 'wss' : 'https'}://localhost:${port}`);
      expect(tl).toMatchObject({ errorClass: 'connect', errorCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    });
  });
});
