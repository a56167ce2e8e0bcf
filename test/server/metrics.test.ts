import { get, type IncomingHttpHeaders } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';

import { describe, expect, it } from 'vitest';

import { type RunningServer, type StartOptions, startServer } from '../../src/server/index.js';
import { ServerMetrics } from '../../src/server/prom.js';
import { PROM_CONTENT_TYPE } from '../../src/shared/prometheus.js';
import { deltas, post, type Received, WsClient } from './helpers.js';

/** The server's own histograms at GET /metrics (src/server/prom.ts), against the timing it was given. */

const TTFT = 'wirebench:time_to_first_token_seconds';
const E2E = 'wirebench:e2e_request_latency_seconds';
const QUEUE = 'wirebench:request_queue_time_seconds';
const ITL = 'wirebench:inter_token_latency_seconds';
const SUCCESS = 'wirebench:request_success_total';

// prettier-ignore
const LATENCY_LE = [
  '0.001', '0.0025', '0.005', '0.0075', '0.01', '0.015', '0.02', '0.025', '0.03', '0.04', '0.05', '0.06', '0.07',
  '0.08', '0.09', '0.1', '0.11', '0.12', '0.14', '0.16', '0.18', '0.2', '0.25', '0.3', '0.4', '0.5', '0.75', '1',
  '1.5', '2', '3', '5', '7.5', '10', '20', '30', '60', '+Inf',
];
// prettier-ignore
const ITL_LE = [
  '0.0001', '0.00025', '0.0005', '0.00075', '0.001', '0.0015', '0.002', '0.003', '0.005', '0.0075', '0.01', '0.02',
  '0.05', '0.1', '0.25', '0.5', '1', '+Inf',
];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reading of the 0.0.4 text format: every line a comment or `name{labels} value`. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  expect(text.endsWith('\n')).toBe(true);
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.slice(0, -1).split('\n')) {
    const type = /^# TYPE (\S+) (histogram|counter)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} (\S+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const pair of m![2].split(',')) {
      const kv = /^([a-z]+)="([^"]*)"$/.exec(pair);
      expect(kv, pair).not.toBeNull();
      labels[kv![1]] = kv![2];
    }
    const value = m![3] === '+Inf' ? Infinity : Number(m![3]);
    expect(Number.isNaN(value), line).toBe(false);
    samples.push({ name: m![1], labels, value });
  }
  return { samples, types };
}

interface Hist {
  buckets: { le: string; count: number }[];
  sum: number;
  count: number;
}

function select(samples: Sample[], name: string, protocol: string, transport: string): Sample[] {
  return samples.filter((s) => s.name === name && s.labels.protocol === protocol && s.labels.transport === transport);
}

/** One label set's histogram, checked for shape: the buckets given, cumulative, +Inf equal to the count. */
function histogram(samples: Sample[], name: string, protocol: string, transport: string, les = LATENCY_LE): Hist {
  const buckets = select(samples, `${name}_bucket`, protocol, transport).map((s) => ({
    le: s.labels.le,
    count: s.value,
  }));
  const [sum] = select(samples, `${name}_sum`, protocol, transport);
  const [count] = select(samples, `${name}_count`, protocol, transport);
  expect(buckets.map((b) => b.le)).toEqual(les);
  for (let i = 1; i < buckets.length; i++) expect(buckets[i].count).toBeGreaterThanOrEqual(buckets[i - 1].count);
  expect(buckets.at(-1)!.count).toBe(count.value);
  return { buckets, sum: sum.value, count: count.value };
}

function counter(samples: Sample[], protocol: string, transport: string): number | undefined {
  return select(samples, SUCCESS, protocol, transport)[0]?.value;
}

/** The count of the bucket `le`. */
function bucket(h: Hist, le: string): number {
  return h.buckets.find((b) => b.le === le)!.count;
}

function scrape(url: string): Promise<{ headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    get(new URL('/metrics', url), (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => (text += s));
      res.on('end', () => resolve({ headers: res.headers, text }));
    }).on('error', reject);
  });
}

/** Non-empty content chunks of a streamed chat completion: its deltas. */
function chatDeltas(events: Received[]): number {
  return events.filter((e) => e.data !== '[DONE]' && e.data.choices?.[0]?.delta?.content).length;
}

async function withServer(opts: StartOptions, body: (url: string, s: RunningServer) => Promise<void>): Promise<void> {
  const s = await startServer(opts);
  try {
    await body(s.url, s);
  } finally {
    await s.close();
  }
}

const CHAT = { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true };

describe('the exposition', () => {
  it('writes cumulative buckets with inclusive bounds, the sum and count, only of what has observations', () => {
    const m = new ServerMetrics();
    const s = m.series('chat', 'http');
    m.series('tgi', 'h2'); // never observes: not exposed
    s.ttft.observe(0.001); // on the bound: le="0.001"
    s.ttft.observe(0.0011);
    s.ttft.observe(100); // beyond the last bound: +Inf only
    s.success++;
    const text = m.expose();
    expect(text).toMatch(/^# HELP wirebench:time_to_first_token_seconds \S.*\n# TYPE /);
    expect(text).toContain(
      [
        '# TYPE wirebench:time_to_first_token_seconds histogram',
        'wirebench:time_to_first_token_seconds_bucket{protocol="chat",transport="http",le="0.001"} 1',
        'wirebench:time_to_first_token_seconds_bucket{protocol="chat",transport="http",le="0.0025"} 2',
      ].join('\n'),
    );
    expect(text).toContain(
      [
        'wirebench:time_to_first_token_seconds_bucket{protocol="chat",transport="http",le="60"} 2',
        'wirebench:time_to_first_token_seconds_bucket{protocol="chat",transport="http",le="+Inf"} 3',
        'wirebench:time_to_first_token_seconds_sum{protocol="chat",transport="http"} 100.0021',
        'wirebench:time_to_first_token_seconds_count{protocol="chat",transport="http"} 3',
        '# HELP wirebench:request_success_total ',
      ].join('\n'),
    );
    expect(text).toContain(
      '# TYPE wirebench:request_success_total counter\nwirebench:request_success_total{protocol="chat",transport="http"} 1\n',
    );
    expect(text).not.toContain('tgi');
    // A family with nothing observed is left out whole.
    expect(text).not.toContain(E2E);
    const { types } = parse(text);
    expect([...types]).toEqual([
      [TTFT, 'histogram'],
      [SUCCESS, 'counter'],
    ]);
    expect(new ServerMetrics().expose()).toBe('');
  });
});

describe('GET /metrics (real sockets)', () => {
  it(
    'observes every streamed HTTP request and WebSocket turn at the configured timing, per label set',
    { retry: 2 },
    async () => {
      const ttftMs = 40;
      const tokens = 10;
      await withServer({ ttftMs, tps: 500, outputTokens: tokens }, async (url, s) => {
        const N = 4;
        const M = 3;
        let httpDeltas = 0;
        for (let i = 0; i < N; i++) httpDeltas += chatDeltas((await post(url, '/v1/chat/completions', CHAT)).events);
        const ws = await WsClient.open(url);
        let wsDeltas = 0;
        try {
          for (let i = 0; i < M; i++) {
            ws.send({ type: 'response.create', model: 'm', input: 'hi' });
            wsDeltas += deltas(await ws.turn()).length;
          }
        } finally {
          ws.close();
        }
        expect(httpDeltas).toBe(N * tokens);
        expect(wsDeltas).toBe(M * tokens);

        const before = s.stats().httpRequests;
        const { headers, text } = await scrape(url);
        expect(headers['content-type']).toBe(PROM_CONTENT_TYPE);
        expect(s.stats().httpRequests).toBe(before);
        expect(before).toBe(N);
        const { samples } = parse(text);

        for (const [protocol, transport, n, written] of [
          ['chat', 'http', N, httpDeltas],
          ['responses', 'ws', M, wsDeltas],
        ] as const) {
          const ttft = histogram(samples, TTFT, protocol, transport);
          const e2e = histogram(samples, E2E, protocol, transport);
          const queue = histogram(samples, QUEUE, protocol, transport);
          const itl = histogram(samples, ITL, protocol, transport, ITL_LE);
          expect([ttft.count, e2e.count, queue.count, counter(samples, protocol, transport)]).toEqual([n, n, n, n]);
          // On the server's own clock: the first token is due ttft after the ack and never written before.
          const meanTtft = (ttft.sum / ttft.count) * 1000;
          expect(meanTtft).toBeGreaterThanOrEqual(ttftMs - 1e-6);
          expect(meanTtft).toBeLessThanOrEqual(ttftMs + 5);
          // ttft + 9 gaps of 2 ms
          const meanE2e = (e2e.sum / e2e.count) * 1000;
          expect(meanE2e).toBeGreaterThanOrEqual(ttftMs + 18 - 1e-6);
          expect(meanE2e).toBeLessThanOrEqual(ttftMs + 18 + 5);
          // Unlimited slots: nobody waited.
          expect(queue.sum).toBe(0);
          expect(bucket(queue, '0.001')).toBe(n);
          // One gap per delta after the first of each response.
          expect(itl.count).toBe(written - n);
          const meanItl = (itl.sum / itl.count) * 1000;
          expect(meanItl).toBeGreaterThan(1.5);
          expect(meanItl).toBeLessThan(2.6);
        }
        expect(select(samples, `${TTFT}_count`, 'responses', 'http')).toEqual([]);
      });
    },
  );

  it('observes the wait for a slot as queue time, counted in TTFT', { retry: 2 }, async () => {
    await withServer({ maxConcurrent: 1, ttftMs: 30, tps: 1000, outputTokens: 10 }, async (url) => {
      await Promise.all([0, 1, 2].map(() => post(url, '/v1/chat/completions', CHAT)));
      const { samples } = parse((await scrape(url)).text);
      const queue = histogram(samples, QUEUE, 'chat', 'http');
      const ttft = histogram(samples, TTFT, 'chat', 'http');
      expect(queue.count).toBe(3);
      // The first got its slot at once; the others waited ~39 and ~78 ms (30 ms TTFT + 9 gaps of 1 ms each).
      expect(bucket(queue, '0.001')).toBe(1);
      expect(bucket(queue, '0.03')).toBe(1);
      expect(queue.sum).toBeGreaterThan(0.039 + 0.078 - 0.01);
      expect(queue.sum).toBeLessThan(0.039 + 0.078 + 0.03);
      // Each TTFT is its wait plus 30 ms.
      expect(ttft.sum).toBeGreaterThanOrEqual(queue.sum + 3 * 0.03 - 0.002);
      expect(ttft.sum).toBeLessThan(queue.sum + 3 * 0.03 + 0.015);
    });
  });

  it('keeps a faulted response out of E2E and the success count, its first token and gaps in', async () => {
    await withServer({ ttftMs: 5, tps: 5000, outputTokens: 10, faults: { 'mid-stream-error': 1 } }, async (url) => {
      const r = await post(url, '/v1/chat/completions', CHAT);
      expect(r.body).toContain('"error"');
      const { samples } = parse((await scrape(url)).text);
      expect(histogram(samples, TTFT, 'chat', 'http').count).toBe(1);
      // The fault strikes after 3 tokens: 2 gaps.
      expect(histogram(samples, ITL, 'chat', 'http', ITL_LE).count).toBe(2);
      expect(select(samples, `${E2E}_count`, 'chat', 'http')).toEqual([]);
      expect(counter(samples, 'chat', 'http')).toBeUndefined();
    });
  });

  it('serves the same over HTTP/2 and HTTP/1.1 with TLS, labelling each transport', async () => {
    await withServer({ tls: true, ttftMs: 5, tps: 5000, outputTokens: 5 }, async (url, s) => {
      const ca = s.ca as string;
      const session = http2.connect(url, { ca });
      const h2 = (method: string, path: string, body?: string) =>
        new Promise<{ headers: http2.IncomingHttpHeaders; text: string }>((resolve, reject) => {
          const stream = session.request({ ':method': method, ':path': path, 'content-type': 'application/json' });
          let headers: http2.IncomingHttpHeaders = {};
          let text = '';
          stream.setEncoding('utf8');
          stream.on('response', (h) => (headers = h));
          stream.on('data', (d: string) => (text += d));
          stream.on('end', () => resolve({ headers, text }));
          stream.on('error', reject);
          stream.end(body);
        });
      const agent = new https.Agent({ ca, ALPNProtocols: ['http/1.1'], keepAlive: false });
      const h1 = (method: string, path: string, body?: string) =>
        new Promise<{ headers: IncomingHttpHeaders; text: string }>((resolve, reject) => {
          const req = https.request(new URL(path, url), { method, agent }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => resolve({ headers: res.headers, text }));
          });
          req.on('error', reject);
          req.end(body);
        });
      try {
        await h2('POST', '/v1/chat/completions', JSON.stringify(CHAT));
        await h2('POST', '/v1/chat/completions', JSON.stringify(CHAT));
        await h1('POST', '/v1/chat/completions', JSON.stringify(CHAT));
        const before = s.stats().httpRequests;
        const overH2 = await h2('GET', '/metrics');
        const overH1 = await h1('GET', '/metrics');
        expect(s.stats().httpRequests).toBe(before);
        expect(overH2.headers[':status']).toBe(200);
        expect(overH2.headers['content-type']).toBe(PROM_CONTENT_TYPE);
        expect(overH1.headers['content-type']).toBe(PROM_CONTENT_TYPE);
        expect(overH1.text).toBe(overH2.text);
        const { samples } = parse(overH1.text);
        expect(histogram(samples, TTFT, 'chat', 'h2').count).toBe(2);
        expect(histogram(samples, TTFT, 'chat', 'http').count).toBe(1);
        expect(counter(samples, 'chat', 'h2')).toBe(2);
        expect(counter(samples, 'chat', 'http')).toBe(1);
      } finally {
        session.close();
      }
    });
  });
});
