import type net from 'node:net';
import { performance } from 'node:perf_hooks';

import { afterEach, describe, expect, it } from 'vitest';

import { type Relay, type RelayOptions, startRelay } from '../../src/net/relay.js';
import { closedPort } from '../cli/helpers.js';
import { closed, connect, echo, roundTrip, sleep, type Target, tcpTarget } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setUp(
  onSocket: (socket: net.Socket) => void,
  opts: Omit<RelayOptions, 'target'>,
): Promise<{ target: Target; relay: Relay; client: net.Socket }> {
  const target = await tcpTarget(onSocket);
  cleanup.push(() => target.close());
  const relay = await startRelay({ ...opts, target });
  cleanup.push(() => relay.close());
  const client = await connect(relay.port);
  cleanup.push(async () => void client.destroy());
  return { target, relay, client };
}

describe('delay and bandwidth (real sockets)', { retry: 2 }, () => {
  it('adds the RTT to every round trip, and no more than a timer tick or two', async () => {
    const { client } = await setUp(echo, { rttMs: 40 });
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) samples.push(await roundTrip(client, Buffer.from(`ping ${i}`)));
    // Never early, not once; the excess is judged on the median, which a stall caused by another
    // process on this shared machine cannot move.
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(40);
    expect(samples.sort((a, b) => a - b)[2]).toBeLessThan(40 + 15);
  });

  it('keeps the byte stream in order under jitter, while the delays really vary', async () => {
    const n = 150;
    const arrivals = new Map<number, number>();
    let text = '';
    const { client } = await setUp(
      (socket) =>
        socket.setEncoding('utf8').on('data', (s: string) => {
          text += s;
          for (const line of text.split('\n').slice(0, -1)) {
            const k = Number(line);
            if (!arrivals.has(k)) arrivals.set(k, performance.now());
          }
        }),
      { rttMs: 20, jitterMs: 10, seed: 7 },
    );
    const sent: number[] = [];
    for (let k = 0; k < n; k++) {
      sent.push(performance.now());
      client.write(`${k}\n`);
      await sleep(1);
    }
    await sleep(60);
    expect(text).toBe(Array.from({ length: n }, (_, k) => `${k}\n`).join(''));
    const delays = sent.map((t, k) => arrivals.get(k)! - t);
    // One way is 10 ± 10 ms: waiting behind an earlier chunk never holds one past the longest draw.
    expect(Math.max(...delays)).toBeLessThan(20 + 15);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(8);
  });

  it('paces a large write to the bandwidth: 100 kB at 8000 kbit/s takes 100 ms', async () => {
    let got = 0;
    let reads = 0;
    let done!: (at: number) => void;
    const last = new Promise<number>((r) => (done = r));
    const { client } = await setUp(
      (socket) =>
        socket.on('data', (b: Buffer) => {
          got += b.length;
          reads++;
          if (got === 100_000) done(performance.now());
        }),
      { rttMs: 0, bandwidthKbps: 8000 },
    );
    const start = performance.now();
    client.write(Buffer.alloc(100_000, 1));
    const ms = (await last) - start;
    expect(ms).toBeGreaterThanOrEqual(75);
    expect(ms).toBeLessThanOrEqual(125);
    // Sliced, as packets would be: the receiver sees the body arrive progressively, not at once at the end.
    expect(reads).toBeGreaterThan(10);
  });

  it('shares the bandwidth between connections, as one link would', async () => {
    const got = [0, 0];
    const done: Promise<number>[] = [];
    const target = await tcpTarget((socket) => {
      const i = target.sockets.indexOf(socket);
      done[i] = new Promise((resolve) =>
        socket.on('data', (b: Buffer) => {
          got[i] += b.length;
          if (got[i] === 50_000) resolve(performance.now());
        }),
      );
    });
    cleanup.push(() => target.close());
    const relay = await startRelay({ target, rttMs: 0, bandwidthKbps: 8000 });
    cleanup.push(() => relay.close());
    const [a, b] = [await connect(relay.port), await connect(relay.port)];
    cleanup.push(async () => void [a, b].forEach((s) => s.destroy()));
    while (target.sockets.length < 2) await sleep(1);
    const start = performance.now();
    a.write(Buffer.alloc(50_000));
    b.write(Buffer.alloc(50_000));
    // Two 50 kB bodies through one 1 MB/s link: 100 ms for both, where separate links would take 50.
    const ms = Math.max(...(await Promise.all(done))) - start;
    expect(ms).toBeGreaterThanOrEqual(75);
    expect(ms).toBeLessThanOrEqual(125);
  });
});

describe('connection lifecycle', () => {
  it('carries a half-close across after the data before it, and the answer back', async () => {
    const { client } = await setUp(
      (socket) => {
        let got = '';
        socket.setEncoding('utf8').on('data', (s: string) => (got += s));
        socket.once('end', () => socket.end(`bye:${got}`));
      },
      { rttMs: 20 },
    );
    let answer = '';
    client.setEncoding('utf8').on('data', (s: string) => (answer += s));
    const ended = new Promise<void>((resolve) => client.once('end', resolve));
    client.write('hello');
    client.end();
    await ended;
    expect(answer).toBe('bye:hello');
  });

  it("resets the client when the target resets, after the target's last bytes", async () => {
    const { client } = await setUp(
      (socket) => socket.write('partial', () => setTimeout(() => socket.resetAndDestroy(), 5)),
      { rttMs: 20 },
    );
    let data = '';
    client.setEncoding('utf8').on('data', (s: string) => (data += s));
    const outcome = await closed(client);
    expect(data).toBe('partial');
    expect(outcome).toEqual({ hadError: true, code: 'ECONNRESET' });
  });

  it('resets the target when the client resets', async () => {
    let targetSide!: Promise<{ hadError: boolean; code?: string }>;
    const { target, client } = await setUp(
      (socket) => {
        targetSide = closed(socket);
      },
      { rttMs: 10 },
    );
    while (target.sockets.length === 0) await sleep(1);
    client.resetAndDestroy();
    expect(await targetSide).toEqual({ hadError: true, code: 'ECONNRESET' });
  });

  it('resets the client when the target refuses the connection', async () => {
    const relay = await startRelay({ target: { host: '127.0.0.1', port: await closedPort() }, rttMs: 10 });
    cleanup.push(() => relay.close());
    const client = await connect(relay.port);
    expect(await closed(client)).toEqual({ hadError: true, code: 'ECONNRESET' });
  });

  it('counts connections and the bytes it delivered each way', async () => {
    const { relay, client } = await setUp(echo, { rttMs: 0 });
    await roundTrip(client, Buffer.alloc(1000));
    const second = await connect(relay.port);
    cleanup.push(async () => void second.destroy());
    await roundTrip(second, Buffer.alloc(24));
    expect(relay.stats()).toEqual({ connections: 2, bytesUp: 1024, bytesDown: 1024 });
  });

  it('close() cuts every relayed connection and stops listening', async () => {
    const target = await tcpTarget(() => {});
    cleanup.push(() => target.close());
    const relay = await startRelay({ target, rttMs: 1000 });
    const client = await connect(relay.port);
    cleanup.push(async () => void client.destroy());
    let received = 0;
    client.on('data', (b: Buffer) => (received += b.length));
    client.write('never delivered');
    while (target.sockets.length === 0) await sleep(1);
    target.sockets[0].on('data', (b: Buffer) => (received += b.length));
    const ends = [client, target.sockets[0]].map((s) => new Promise((resolve) => s.once('end', resolve)));
    await relay.close();
    // Both peers are told (FIN): the relay holds nothing open, and the delayed bytes went with it.
    await Promise.all(ends);
    expect(received).toBe(0);
    await expect(connect(relay.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('pauses a sender whose reader stops, instead of queueing without bound, and loses nothing', async () => {
    const total = 64 * 1024 * 1024;
    let got = 0;
    const { target, client } = await setUp((socket) => socket.pause(), { rttMs: 2 });
    while (target.sockets.length === 0) await sleep(1);
    client.write(Buffer.alloc(total, 7));
    await sleep(1000);
    // Relay queue (4 MB) plus the kernel buffers of two loopback connections hold far less than 64 MB:
    // most of it must still be waiting in the client.
    expect(client.writableLength).toBeGreaterThan(total / 2);
    const all = new Promise<void>((resolve) =>
      target.sockets[0].on('data', (b: Buffer) => {
        got += b.length;
        if (got === total) resolve();
      }),
    );
    target.sockets[0].resume();
    await all;
    expect(got).toBe(total);
  });
});
