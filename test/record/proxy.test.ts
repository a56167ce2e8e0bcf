import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';

import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';

import type { Timeline } from '../../src/metrics/timeline.js';
import { openaiRealtime } from '../../src/protocols/openai-realtime.js';
import { type RecordProxy, startRecordProxy } from '../../src/record/proxy.js';
import type { Recorder } from '../../src/record/recorder.js';
import { parseHistograms } from '../../src/scrape/prom-text.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { closedPort } from '../cli/helpers.js';

/** What the proxy handed over: every timed exchange, each forward's delay, the untimed count. */
function collector(): Recorder & {
  exchanges: { kind: string; transport: string; tl: Timeline }[];
  delays: number[];
  passed: number;
} {
  const c = {
    keepText: true,
    exchanges: [] as { kind: string; transport: string; tl: Timeline }[],
    delays: [] as number[],
    passed: 0,
    forwarded: (_k: string, _t: string, arrival: number, written: number) => void c.delays.push(written - arrival),
    done: (kind: string, transport: string, tl: Timeline, _request: Buffer) =>
      void c.exchanges.push({ kind, transport, tl }),
    untimed: () => void c.passed++,
    headers: () => {},
  };
  return c;
}

const sha = (chunks: readonly Buffer[]): string => createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
const urlOf = (s: Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

async function listen(s: Server): Promise<string> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return urlOf(s);
}

const sse = (type: string, body: object): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`;

/** A Responses stream of `n` deltas of random text, with a multi-byte character in every delta. */
function responsesStream(n: number): Buffer {
  const events = [sse('response.created', { sequence_number: 0, response: { id: 'resp_1', status: 'in_progress' } })];
  for (let i = 1; i <= n; i++) {
    const delta = `${randomBytes(6).toString('base64')} é✓`;
    events.push(
      sse('response.output_text.delta', {
        sequence_number: i,
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta,
      }),
    );
  }
  const usage = { input_tokens: 3, output_tokens: n, total_tokens: n + 3 };
  events.push(
    sse('response.completed', { sequence_number: n + 1, response: { id: 'resp_1', status: 'completed', usage } }),
  );
  return Buffer.from(events.join(''));
}

describe('record proxy: HTTP passes through unchanged', () => {
  let upstream: Server;
  let proxy: RecordProxy;
  const rec = collector();
  let sent: Buffer[] = [];
  let seen: { body: string; headers: IncomingHttpHeaders } | undefined;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { body, headers: req.headers };
        if (req.url !== '/v1/responses') {
          res.writeHead(404, { 'content-type': 'application/json', 'x-upstream': 'yes' }).end('{"error":"no"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'x-upstream': 'yes' });
        // Written at odd byte offsets, some inside a multi-byte character, over several event-loop turns.
        const whole = responsesStream(40);
        sent = [];
        let at = 0;
        const step = (): void => {
          if (at >= whole.length) return void res.end();
          const piece = whole.subarray(at, Math.min(whole.length, at + 1 + ((at * 7919) % 97)));
          at += piece.length;
          sent.push(piece);
          res.write(piece);
          setImmediate(step);
        };
        step();
      });
    });
    const target = new URL(await listen(upstream));
    proxy = await startRecordProxy({ host: '127.0.0.1', port: 0, target, recorder: rec });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((r) => upstream.close(r));
  });

  it('delivers the very bytes the server sent, its status and headers, and times the stream', async () => {
    const body = JSON.stringify({ model: 'm', input: 'hi ✓', stream: true });
    const res = await request(`${proxy.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', 'x-custom': 'kept' },
      body,
    });
    const got: Buffer[] = [];
    for await (const c of res.body) got.push(c as Buffer);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-upstream']).toBe('yes');
    expect(sha(got)).toBe(sha(sent));
    // The request reached the server as the client sent it, but for the host it was addressed to.
    expect(seen?.body).toBe(body);
    expect(seen?.headers).toMatchObject({ authorization: 'Bearer sk-test', 'x-custom': 'kept' });
    expect(seen?.headers.host).toBe(new URL(urlOf(upstream)).host);
    const ex = rec.exchanges.at(-1)!;
    expect(ex).toMatchObject({ kind: 'openai-responses', transport: 'http' });
    expect(ex.tl.ok).toBe(true);
    expect(ex.tl.deltas).toBe(40);
    expect(ex.tl.usageOutputTokens).toBe(40);
    expect(ex.tl.firstDelta).toBeGreaterThan(ex.tl.start);
    expect(rec.delays.length).toBeGreaterThan(0);
  });

  it('hands the OpenAI SDK over SSE the very bytes the server sent', async () => {
    const got: Buffer[] = [];
    // The SDK's own fetch, its body read twice: once by the SDK, once hashed.
    const client = new OpenAI({
      baseURL: `${proxy.url}/v1`,
      apiKey: 'sk-test',
      maxRetries: 0,
      fetch: async (url: RequestInfo | URL, init?: RequestInit) => {
        const res = await fetch(url, init);
        const [mine, theirs] = res.body!.tee();
        void (async () => {
          for await (const c of theirs) got.push(Buffer.from(c));
        })();
        return new Response(mine, { status: res.status, headers: res.headers });
      },
    });
    const stream = await client.responses.create({ model: 'm', input: 'hi', stream: true });
    let deltas = 0;
    for await (const ev of stream) if (ev.type === 'response.output_text.delta') deltas++;
    expect(deltas).toBe(40);
    await expect.poll(() => sha(got)).toBe(sha(sent));
  });

  it('passes what it does not time through, untimed', async () => {
    const before = rec.passed;
    const res = await request(`${proxy.url}/v1/models`);
    expect(res.statusCode).toBe(404);
    expect(await res.body.text()).toBe('{"error":"no"}');
    expect(rec.passed).toBe(before + 1);
  });
});

describe('record proxy: WebSocket passes through unchanged', () => {
  let upstream: Server;
  let wss: WebSocketServer;
  let proxy: RecordProxy;
  const rec = collector();
  let sent: Buffer[] = [];
  let closed: { code: number; reason: string } | undefined;
  let refuse = false;

  beforeAll(async () => {
    upstream = createServer();
    wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (offered) => (offered.has('wb.v1') ? 'wb.v1' : false),
    });
    upstream.on('upgrade', (req, socket, head) => {
      if (refuse) {
        socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\r\n{"error":"bad key"}');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('message', () => {
          sent = [];
          const send = (data: Buffer, binary: boolean): void => {
            sent.push(Buffer.concat([Buffer.from(binary ? 'b:' : 't:'), data]));
            ws.send(data, { binary });
          };
          const text = responsesStream(25)
            .toString()
            .split('\n\n')
            .filter((e) => e !== '')
            .map((e) => Buffer.from(e.split('data: ')[1]));
          text.slice(0, -1).forEach((m) => send(m, false));
          send(randomBytes(300), true);
          send(text.at(-1)!, false);
        });
        ws.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
        ws.on('error', () => {});
      });
    });
    const target = new URL(await listen(upstream));
    proxy = await startRecordProxy({ host: '127.0.0.1', port: 0, target, recorder: rec });
  });
  afterAll(async () => {
    await proxy.close();
    wss.close();
    await new Promise((r) => upstream.close(r));
  });
  afterEach(() => {
    refuse = false;
  });

  it('relays every message as sent, text as text and binary as binary, with the subprotocol and close code', async () => {
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/responses`, ['other', 'wb.v1']);
    await new Promise((r) => ws.once('open', r));
    expect(ws.protocol).toBe('wb.v1');
    const got: Buffer[] = [];
    await new Promise<void>((resolve) => {
      ws.on('message', (data: Buffer, binary) => {
        got.push(Buffer.concat([Buffer.from(binary ? 'b:' : 't:'), data]));
        if (!binary && data.includes('"response.completed"')) resolve();
      });
      ws.send(JSON.stringify({ type: 'response.create', model: 'm', input: 'hi' }));
    });
    expect(got).toHaveLength(28);
    expect(sha(got)).toBe(sha(sent));
    ws.close(4001, 'bye');
    await new Promise((r) => ws.once('close', r));
    await expect.poll(() => closed).toEqual({ code: 4001, reason: 'bye' });
    const ex = rec.exchanges.at(-1)!;
    expect(ex).toMatchObject({ kind: 'openai-responses', transport: 'ws' });
    expect(ex.tl.ok).toBe(true);
    expect(ex.tl.deltas).toBe(25);
    // The first turn on the socket is charged with the upstream connection and upgrade.
    expect(ex.tl.reused).toBe(false);
    expect(ex.tl.upgraded).toBeGreaterThan(0);
  });

  it('hands the OpenAI SDK’s WebSocket client every message the server sent', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const rws = new ResponsesWS(client);
    const got: Buffer[] = [];
    try {
      await new Promise((r) => rws.socket.once('open', r));
      // Beside the SDK's own listener: the messages as they came off the socket.
      rws.socket.on('message', (data: Buffer | string, binary: boolean) =>
        got.push(Buffer.concat([Buffer.from(binary ? 'b:' : 't:'), Buffer.from(data)])),
      );
      rws.on('error', () => {});
      await new Promise<void>((resolve) => {
        rws.on('event', (ev) => ev.type === 'response.completed' && resolve());
        rws.send({ type: 'response.create', model: 'm', input: 'hi' });
      });
    } finally {
      rws.close();
    }
    expect(sha(got)).toBe(sha(sent));
  });

  it("relays the server's refusal of the upgrade as it was sent", async () => {
    refuse = true;
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/responses`);
    const res = await new Promise<{ status: number; body: string }>((resolve) => {
      ws.on('unexpected-response', (_req, r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      ws.on('error', () => {});
    });
    expect(res).toEqual({ status: 401, body: '{"error":"bad key"}' });
  });
});

const TTFT = 'wirebench:time_to_first_token_seconds';

describe('record proxy: what it times agrees with what real clients measure', () => {
  let server: RunningServer;
  let proxy: RecordProxy;
  const rec = collector();
  beforeAll(async () => {
    server = await startServer({ ttftMs: 30, tps: 2000, outputTokens: 20 });
    proxy = await startRecordProxy({ host: '127.0.0.1', port: 0, target: new URL(server.url), recorder: rec });
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  /** The recorded TTFTs of the last `n` exchanges, ms. */
  const recorded = (n: number): number[] => rec.exchanges.slice(-n).map((e) => (e.tl.firstDelta - e.tl.start) / 1e6);
  /**
   * The client's TTFT less the recorded one, request by request (they are the same requests, in order):
   * what the client adds and the two loopback hops. Paired, the server's own lateness cancels out.
   */
  const paired = (own: number[]): number[] => recorded(own.length).map((r, i) => own[i] - r);
  /** The server's own TTFT histogram (its /metrics), for the mean over the requests since `before`. */
  const serverTtft = async (): Promise<{ sum: number; count: number }> => {
    const page = await (await request(`${server.url}/metrics`)).body.text();
    const h = parseHistograms(page, new Set([TTFT]), { transport: 'http' }).get(TTFT)!;
    return { sum: h.sum * 1000, count: h.count };
  };

  it('over SSE: a bare client’s TTFT is the recorded one within 1 ms, and both the SDK’s and the server’s own', async () => {
    // A bare node:net client adds next to nothing of its own: what it measures is what the proxy should.
    const { hostname, port } = new URL(proxy.url);
    const socket = connect(Number(port), hostname);
    await new Promise((r) => socket.once('connect', r));
    const body = JSON.stringify({ model: 'm', input: 'hi', max_output_tokens: 20, stream: true });
    const head = `POST /v1/responses HTTP/1.1\r\nhost: ${proxy.url.slice(7)}\r\ncontent-type: application/json\r\n`;
    const bare: number[] = [];
    for (let i = 0; i < 14; i++) {
      const t0 = performance.now();
      const first = await new Promise<number>((resolve) => {
        let at = 0;
        const onData = (c: Buffer): void => {
          if (at === 0 && c.includes('output_text.delta')) at = performance.now();
          // The end of the chunked body: an SSE payload holds no CR.
          if (c.includes('\r\n0\r\n\r\n')) {
            socket.off('data', onData);
            resolve(at);
          }
        };
        socket.on('data', onData);
        socket.write(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      });
      if (i >= 4) bare.push(first - t0);
    }
    socket.destroy();
    expect(rec.exchanges.slice(-10).every((e) => e.tl.ok && e.transport === 'http')).toBe(true);
    const gap = median(paired(bare));
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(1);

    // The SDK adds time of its own (fetch, its SSE parser: ~3 ms here) that neither a proxy nor a server
    // sees. What it receives, the proxy saw first; and what the proxy saw, the server measured itself.
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-test', maxRetries: 0, timeout: 10_000 });
    const own: number[] = [];
    let before = { sum: 0, count: 0 };
    for (let i = 0; i < 14; i++) {
      if (i === 4) before = await serverTtft();
      const t0 = performance.now();
      let first = 0;
      const stream = await client.responses.create({ model: 'm', input: 'hi', max_output_tokens: 20, stream: true });
      for await (const ev of stream)
        if (ev.type === 'response.output_text.delta' && first === 0) first = performance.now();
      if (i >= 4) own.push(first - t0);
    }
    const after = await serverTtft();
    expect(paired(own).every((d) => d > 0)).toBe(true);
    const serverMean = (after.sum - before.sum) / (after.count - before.count);
    const mine = recorded(10);
    const recordedMean = mine.reduce((a, b) => a + b, 0) / mine.length;
    expect(after.count - before.count).toBe(10);
    // The server's clock starts once it has the request, the proxy's once it has: between them one
    // request forwarded and one answer read back, on loopback.
    expect(recordedMean - serverMean).toBeGreaterThan(0);
    expect(recordedMean - serverMean).toBeLessThan(2);
  });

  it('times a whole (non-streamed) answer: E2E and its usage, no first token', async () => {
    const res = await request(`${proxy.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'hi', max_output_tokens: 20 }),
    });
    const answer = (await res.body.json()) as { id: string; usage: { output_tokens: number } };
    const ex = rec.exchanges.at(-1)!;
    expect(ex).toMatchObject({ kind: 'openai-responses', transport: 'http' });
    expect(ex.tl.ok).toBe(true);
    expect(ex.tl.usageOutputTokens).toBe(answer.usage.output_tokens);
    expect(ex.tl.responseId).toBe(answer.id);
    expect(ex.tl.firstDelta).toBe(0);
    expect((ex.tl.doneAt - ex.tl.start) / 1e6).toBeGreaterThanOrEqual(30);
  });

  it('the SDK’s WebSocket client and a raw ws client: within 1 ms at the median', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-test', maxRetries: 0, timeout: 10_000 });
    const rws = new ResponsesWS(client);
    const own: number[] = [];
    try {
      await new Promise((r) => rws.socket.once('open', r));
      for (let i = 0; i < 14; i++) {
        const t0 = performance.now();
        const first = await new Promise<number>((resolve, reject) => {
          let at = 0;
          const onEvent = (ev: { type: string }): void => {
            if (ev.type === 'response.output_text.delta' && at === 0) at = performance.now();
            if (ev.type === 'response.completed') {
              rws.off('event', onEvent);
              resolve(at);
            }
          };
          rws.on('event', onEvent);
          rws.on('error', reject);
          rws.send({ type: 'response.create', model: 'm', input: 'hi', max_output_tokens: 20 });
        });
        if (i >= 4) own.push(first - t0);
      }
    } finally {
      rws.close();
    }
    expect(rec.exchanges.slice(-10).every((e) => e.tl.ok && e.transport === 'ws')).toBe(true);
    expect(Math.abs(median(paired(own)))).toBeLessThan(1);

    const raw = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/responses`);
    await new Promise((r) => raw.once('open', r));
    const rawOwn: number[] = [];
    for (let i = 0; i < 14; i++) {
      const t0 = performance.now();
      const first = await new Promise<number>((resolve) => {
        let at = 0;
        const onMessage = (data: Buffer): void => {
          if (at === 0 && data.includes('"response.output_text.delta"')) at = performance.now();
          if (data.includes('"response.completed"')) {
            raw.off('message', onMessage);
            resolve(at);
          }
        };
        raw.on('message', onMessage);
        raw.send(JSON.stringify({ type: 'response.create', model: 'm', input: 'hi', max_output_tokens: 20 }));
      });
      if (i >= 4) rawOwn.push(first - t0);
    }
    raw.close();
    expect(median(paired(rawOwn))).toBeGreaterThanOrEqual(0);
    expect(median(paired(rawOwn))).toBeLessThan(1);
  });
});

describe('record proxy: an https target and a Realtime session', () => {
  let server: RunningServer;
  let proxy: RecordProxy;
  const rec = collector();
  beforeAll(async () => {
    server = await startServer({ ttftMs: 5, tps: 5000, outputTokens: 10, tls: true });
    proxy = await startRecordProxy({
      host: '127.0.0.1',
      port: 0,
      target: new URL(server.url),
      tls: { ca: server.ca },
      recorder: rec,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  it('forwards over TLS, trusting the CA it was given, and times the upstream handshake', async () => {
    const res = await request(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, max_tokens: 10 }),
    });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toContain('data: [DONE]');
    const ex = rec.exchanges.at(-1)!;
    expect(ex).toMatchObject({ kind: 'openai-chat', transport: 'http' });
    expect(ex.tl.ok).toBe(true);
    expect(ex.tl.tlsEnd).toBeGreaterThan(ex.tl.connectEnd);
    expect(ex.tl.alpn).toBe('http/1.1');
  });

  it('times a Realtime turn (the session.created before it is nobody’s answer)', async () => {
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/realtime?model=gpt-realtime`);
    const first = await new Promise<Buffer>((resolve) => ws.once('message', resolve));
    expect(first.toString()).toContain('"session.created"');
    await new Promise<void>((resolve) => {
      ws.on('message', (d: Buffer) => d.includes('"response.done"') && resolve());
      ws.send(openaiRealtime.ws.encode({ model: 'gpt-realtime', prompt: 'hi', maxOutputTokens: 10, extra: {} }));
    });
    ws.close();
    const ex = rec.exchanges.at(-1)!;
    expect(ex).toMatchObject({ kind: 'openai-realtime', transport: 'ws' });
    expect(ex.tl.ok).toBe(true);
    expect(ex.tl.deltas).toBeGreaterThan(0);
    expect(ex.tl.tlsEnd).toBeGreaterThan(0);
  });
});

describe('record proxy: an endpoint that cannot be reached', () => {
  it('answers 502 and counts each request of a known protocol as the connect error it was', async () => {
    const rec = collector();
    const proxy = await startRecordProxy({
      host: '127.0.0.1',
      port: 0,
      target: new URL(`http://127.0.0.1:${await closedPort()}`),
      recorder: rec,
    });
    try {
      const res = await request(`${proxy.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"model":"m","input":"hi","stream":true}',
      });
      await res.body.dump();
      expect(res.statusCode).toBe(502);
      const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/responses`);
      const status = await new Promise<number>((resolve) => {
        ws.on('unexpected-response', (_q, r) => resolve(r.statusCode ?? 0));
        ws.on('error', () => {});
      });
      expect(status).toBe(502);
      await expect.poll(() => rec.exchanges.length).toBe(2);
      expect(rec.exchanges.map((e) => [e.transport, e.tl.errorClass])).toEqual([
        ['http', 'connect'],
        ['ws', 'connect'],
      ]);
    } finally {
      await proxy.close();
    }
  });
});
