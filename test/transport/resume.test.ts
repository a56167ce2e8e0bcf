import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { now } from '../../src/core/clock.js';
import type { ConnectionPolicy, RequestInput, RequestTimings, TransportOptions } from '../../src/core/types.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { openaiResponses } from '../../src/protocols/openai-responses.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { getTransport } from '../../src/transport/registry.js';

/**
 * TLS session resumption: a warm client resumes its previous session (an abbreviated handshake), a cold
 * one (`resume: false`) pays the full handshake every time; either way the TLS phase is timed apart from
 * TCP, and what was negotiated is on every request's record.
 */
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ tls: true, ttftMs: 1, tps: 20_000, outputTokens: 3 });
});

afterAll(() => server.close());

const input: RequestInput = { model: 'm', prompt: 'hi', maxOutputTokens: 3, extra: {} };

/** Two requests of one virtual user. */
async function twice(policy: ConnectionPolicy, tls: TransportOptions['tls']): Promise<RequestTimings[]> {
  const conn = getTransport(policy).connection(openaiResponses, {
    target: new URL(server.url),
    headers: {},
    perMessageDeflate: false,
    tls: { ca: server.ca, ...tls },
  });
  const out: Timeline[] = [];
  for (let i = 0; i < 2; i++) {
    const tl = new Timeline(now(), now());
    await conn.exchange(input, tl, AbortSignal.timeout(5000));
    expect(tl.ok, `${policy} #${i}: ${tl.errorClass} ${tl.errorMessage}`).toBe(true);
    out.push(tl);
  }
  await conn.close();
  return out;
}

describe('TLS session resumption', () => {
  it.each(['http-fresh', 'ws-per-request'] as const)(
    '%s: the second connection resumes the first one’s session',
    async (policy) => {
      const [first, second] = await twice(policy, undefined);
      expect(first.tlsResumed).toBe(false);
      expect(second.tlsResumed).toBe(true);
      for (const tl of [first, second]) {
        expect(tl.reused).toBe(false);
        expect(tl.tlsEnd).toBeGreaterThan(tl.connectEnd);
        expect(tl.connectEnd).toBeGreaterThan(tl.connStart);
        expect(tl.tlsVersion).toBe('TLSv1.3');
        expect(tl.alpn).toBe('http/1.1');
      }
    },
  );

  it.each(['http-fresh', 'ws-per-request'] as const)(
    '%s with resume: false makes a full handshake every time',
    async (policy) => {
      const [first, second] = await twice(policy, { resume: false });
      for (const tl of [first, second]) {
        expect(tl.tlsResumed).toBe(false);
        expect(tl.tlsEnd).toBeGreaterThan(tl.connectEnd);
      }
    },
  );

  it.each(['http-keepalive', 'ws-persistent'] as const)(
    '%s: a reused connection has no phases but the same TLS facts',
    async (policy) => {
      const [first, second] = await twice(policy, undefined);
      expect(first.reused).toBe(false);
      expect(second.reused).toBe(true);
      expect(second.connStart).toBe(0);
      expect(second.tlsEnd).toBe(0);
      expect(second.alpn).toBe('http/1.1');
      expect(second.tlsVersion).toBe('TLSv1.3');
      expect(second.tlsResumed).toBe(false);
    },
  );

  it('users do not share sessions: each one’s first connection is a full handshake', async () => {
    const [a] = await twice('http-fresh', undefined);
    const [b] = await twice('http-fresh', undefined);
    expect(a.tlsResumed).toBe(false);
    expect(b.tlsResumed).toBe(false);
  });
});
