import https from 'node:https';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';

import { now } from '../../src/core/clock.js';
import type { ConnectionPolicy, TransportOptions } from '../../src/core/types.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { openaiResponses } from '../../src/protocols/openai-responses.js';
import { selfSignedCertificate } from '../../src/server/tls.js';
import { getTransport } from '../../src/transport/registry.js';

/**
 * Real endpoints are https/wss: the TLS phase must be timed and trusted like a client would. The
 * certificate is made per run (nothing committed) by Debian's openssl, which .ci/run's machine has.
 */
const events = [
  '{"type":"response.created","sequence_number":0,"response":{"id":"r1","status":"in_progress"}}',
  '{"type":"response.output_text.delta","sequence_number":1,"item_id":"m","output_index":0,"content_index":0,"delta":" hi","logprobs":[]}',
  '{"type":"response.completed","sequence_number":2,"response":{"id":"r1","status":"completed","usage":{"input_tokens":1,"output_tokens":1}}}',
];

let ca: string;
let server: https.Server;
let wss: WebSocketServer;
let base: URL;

beforeAll(async () => {
  // The certificate `serve --tls` makes: localhost, 127.0.0.1 and ::1, nothing written to disk.
  const { cert, key } = await selfSignedCertificate('localhost');
  ca = cert;
  server = https.createServer({ key, cert: ca }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(events.map((e) => `event: x\ndata: ${e}\n\n`).join(''));
    });
  });
  wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', () => events.forEach((e) => ws.send(e)))),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  for (const c of wss.clients) c.terminate();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

async function exchange(policy: ConnectionPolicy, tls: TransportOptions['tls']): Promise<Timeline> {
  const conn = getTransport(policy).connection(openaiResponses, {
    target: base,
    headers: {},
    perMessageDeflate: false,
    tls,
  });
  const tl = new Timeline(now(), now());
  await conn.exchange({ model: 'm', prompt: 'p', maxOutputTokens: 1, extra: {} }, tl, AbortSignal.timeout(5000));
  await conn.close();
  return tl;
}

describe('TLS', () => {
  it.each(['http-fresh', 'ws-per-request'] as const)(
    '%s: trusted by its CA, the TLS phase is timed after TCP',
    async (policy) => {
      const tl = await exchange(policy, { ca });
      expect(tl.ok, `${tl.errorClass} ${tl.errorMessage}`).toBe(true);
      expect(tl.connectEnd).toBeGreaterThan(tl.connStart);
      expect(tl.tlsEnd).toBeGreaterThan(tl.connectEnd);
      expect(tl.requestSent || tl.upgraded).toBeGreaterThan(tl.tlsEnd);
      expect(tl.texts).toEqual([' hi']);
    },
  );

  it.each(['http-fresh', 'ws-persistent'] as const)(
    '%s: an untrusted certificate is a connect error naming the cause',
    async (policy) => {
      const tl = await exchange(policy, undefined);
      expect(tl.errorClass).toBe('connect');
      expect(tl.errorCode).toMatch(/CERT|SELF_SIGNED/);
    },
  );

  it('insecure: true accepts it, as --insecure would', async () => {
    const tl = await exchange('http-keepalive', { insecure: true });
    expect(tl.ok, `${tl.errorClass} ${tl.errorMessage}`).toBe(true);
  });
});
