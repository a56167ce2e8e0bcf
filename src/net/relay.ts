import net, { type AddressInfo, type Socket } from 'node:net';

import { rng } from '../shared/rng.js';
import { formatHostPort, type HostPort } from './address.js';
import { DelayLine } from './delay-line.js';
import { Link } from './link.js';

export interface RelayOptions {
  listenHost?: string;
  /** 0 = ephemeral. */
  listenPort?: number;
  target: HostPort;
  /** Emulated round trip: each direction is delayed by half of it. */
  rttMs: number;
  /** Per direction and per chunk, uniform in ±jitterMs around rttMs / 2 (never below zero). */
  jitterMs?: number;
  /** Per direction, shared by all connections; unlimited when absent. */
  bandwidthKbps?: number;
  seed?: number;
}

export interface RelayStats {
  /** Client connections accepted so far. */
  connections: number;
  /** Bytes delivered client → target. */
  bytesUp: number;
  /** Bytes delivered target → client. */
  bytesDown: number;
}

export interface Relay extends HostPort {
  /** `host:port` (IPv6 in brackets): where clients connect instead of the target. */
  address: string;
  stats(): RelayStats;
  /** Stops accepting and cuts every relayed connection at once, queued data included. */
  close(): Promise<void>;
}

/**
 * Memory bound per direction and connection: past it the sender is paused (TCP flow control then
 * pushes back on the real sender), so a slow reader or a long delay cannot fill the heap.
 */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;

/**
 * A TCP relay on loopback that emulates a network path between a client and a target: delay, jitter
 * and bandwidth per direction. It copies bytes and never parses them, so TLS, HTTP/1.1, HTTP/2 and
 * WebSocket pass through untouched and every protocol pays the same emulated network.
 *
 * The connection to the target opens as soon as a client is accepted, and the client's connect()
 * completes on loopback at once: a user-space relay never sees SYN and SYN-ACK, so the TCP handshake's
 * own round trip is not emulated. What is emulated is everything after it — the request's first bytes
 * reach the target rttMs / 2 late and the answer comes back rttMs / 2 later, so a TLS handshake or a
 * WebSocket upgrade costs its real number of round trips, but a fresh TCP connection costs one RTT less
 * than on a real path. Where that matters, scripts/netns-netem.sh emulates the path in the kernel.
 */
export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const jitterMs = opts.jitterMs ?? 0;
  if (!(opts.rttMs >= 0 && Number.isFinite(opts.rttMs))) throw new RangeError(`rttMs must be >= 0, got ${opts.rttMs}`);
  if (!(jitterMs >= 0 && Number.isFinite(jitterMs))) throw new RangeError(`jitterMs must be >= 0, got ${jitterMs}`);
  const seed = opts.seed ?? 1;
  const links =
    opts.bandwidthKbps === undefined
      ? { up: undefined, down: undefined }
      : { up: new Link(opts.bandwidthKbps), down: new Link(opts.bandwidthKbps) };
  const stats: RelayStats = { connections: 0, bytesUp: 0, bytesDown: 0 };
  const live = new Set<Socket>();

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const index = stats.connections++;
    const target = net.connect({ host: opts.target.host, port: opts.target.port, allowHalfOpen: true, noDelay: true });
    const line = (src: Socket, dst: Socket, direction: 0 | 1): DelayLine =>
      new DelayLine(src, dst, {
        delayMs: opts.rttMs / 2,
        jitterMs,
        // A stream of its own per connection and direction: the draws a connection gets do not
        // depend on how its chunks interleave with other connections' chunks.
        random: rng(seed ^ Math.imul(2 * index + direction + 1, 0x9e3779b1)),
        link: direction === 0 ? links.up : links.down,
        highWaterBytes: HIGH_WATER_BYTES,
        onDelivered: direction === 0 ? (n) => void (stats.bytesUp += n) : (n) => void (stats.bytesDown += n),
      });
    forward(client, line(client, target, 0));
    forward(target, line(target, client, 1));
    for (const socket of [client, target]) {
      live.add(socket);
      socket.once('close', () => live.delete(socket));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort ?? 0, opts.listenHost ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const self = { host: bound.address, port: bound.port };
  return {
    ...self,
    address: formatHostPort(self),
    stats: () => ({ ...stats }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of live) socket.destroy();
      await closed;
    },
  };
}

/** Feeds what `src` sends — bytes, then its FIN or its failure — into the line toward its peer. */
function forward(src: Socket, line: DelayLine): void {
  let ended = false;
  src.on('data', (chunk: Buffer) => line.data(chunk));
  src.once('end', () => {
    ended = true;
    line.end();
  });
  // The 'close' that follows an error is where it is handled; without a listener it would throw.
  src.on('error', () => {});
  src.once('close', (hadError) => {
    // Gone without a FIN (a reset, a refused connect, a write to a closed peer): the peer is reset too,
    // after the data that was already on its way, so it sees what a real network would show it.
    if (hadError || !ended) line.reset();
  });
}
