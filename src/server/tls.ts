import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TlsCredentials {
  /** PEM; self-signed, so it is also what a client trusts (its `ca`). */
  cert: string;
  key: string;
}

/** Names a loopback client may use for the server, whatever address it listens on. */
const LOOPBACK_NAMES = ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'];

function subjectAltNames(host: string): string {
  const names = [...LOOPBACK_NAMES];
  // A wildcard listen address is no name a client connects to; a specific one is.
  if (host !== '0.0.0.0' && host !== '::') {
    const own = `${net.isIP(host) ? 'IP' : 'DNS'}:${host}`;
    if (!names.includes(own)) names.push(own);
  }
  return names.join(',');
}

/** The certificate could not be made: a problem of the machine's set-up, not a bug. */
export class CertificateError extends Error {}

function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, (err, _stdout, stderr) => {
      if (err === null) resolve();
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new CertificateError(
            '--tls makes a self-signed certificate with openssl, which is not on PATH: install openssl',
          ),
        );
      } else reject(new CertificateError(`openssl could not make the certificate: ${stderr.trim() || err.message}`));
    });
  });
}

/**
 * A throwaway self-signed P-256 certificate for `host` and the loopback names. Node has no X.509
 * generator, so openssl writes the pair into a private temporary directory that is removed as soon as
 * it is read: the key lives in this process's memory only, and nothing is ever committed. Valid for 30
 * days, as a server left running would outlive a one-day certificate; a new start makes a new pair.
 */
export async function selfSignedCertificate(host: string): Promise<TlsCredentials> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-tls-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  try {
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '30',
      '-subj',
      '/CN=wirebench',
      '-addext',
      `subjectAltName=${subjectAltNames(host)}`,
    ]);
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return { cert, key };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * HTTPS with h2 and HTTP/1.1 on one port, chosen per connection by ALPN; WebSocket upgrades arrive on
 * the HTTP/1.1 side as they do on a plain server.
 *
 * The handler is written against node:http's request and response. HTTP/1.1 requests still arrive as
 * exactly those; h2 ones arrive as the compat API's Http2ServerRequest/Response, which have every member
 * the handler uses (url, method, data/end, resume; writeHead, write, end, cork/uncork, headersSent,
 * 'close'). `res.destroyed` reads undefined there, and writes to a closed stream are no-ops instead.
 */
export function createTlsServer(
  creds: TlsCredentials,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): http2.Http2SecureServer {
  return http2.createSecureServer({ ...creds, allowHTTP1: true, ALPNProtocols: ['h2', 'http/1.1'] }, (req, res) => {
    if (res instanceof http2.Http2ServerResponse) writeStringsAsBuffers(res);
    handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
}

/**
 * Node 20's h2 server sometimes sends freed memory for a string write: the first 16–32 bytes of a
 * batch arrive as malloc free-list pointers. It struck the last write of a stream that is then reset
 * (the reset fault), 1–3% of such streams under CPU load; curl saw it as well as Node's client, so it
 * is the server's send path. Buffer writes never showed it (curl, strings 33 of 1758 streams
 * corrupted, Buffers 0 of 1770, alternated under the same load). So every string an h2 response is
 * given goes out as a Buffer, which costs one copy per write.
 */
function writeStringsAsBuffers(res: http2.Http2ServerResponse): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound with .call(this) below
  const write = res.write;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound with .call(this) below
  const end = res.end;
  const asBuffer = (chunk: unknown, encoding: unknown): unknown =>
    typeof chunk === 'string'
      ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
      : chunk;
  res.write = function (this: http2.Http2ServerResponse, chunk: unknown, ...rest: unknown[]) {
    return (write as (...a: unknown[]) => boolean).call(this, asBuffer(chunk, rest[0]), ...rest);
  };
  res.end = function (this: http2.Http2ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    return (end as (...a: unknown[]) => http2.Http2ServerResponse).call(this, asBuffer(chunk, rest[0]), ...rest);
  };
}
