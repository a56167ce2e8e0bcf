import net, { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Target {
  host: string;
  port: number;
  /** Sockets the target accepted, in order, for tests that act on the server side. */
  sockets: net.Socket[];
  close(): Promise<void>;
}

/** A TCP server on an ephemeral loopback port; `onSocket` decides what it does with each connection. */
export async function tcpTarget(onSocket: (socket: net.Socket) => void): Promise<Target> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Echoes every byte back, and half-closes when the client does. */
export const echo = (socket: net.Socket): void => {
  socket.pipe(socket);
};

export async function connect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  const socket = net.connect({ host, port, allowHalfOpen: true, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Resolves with the bytes `socket` receives until `n` have arrived, and when the last of them did. */
export function receive(socket: net.Socket, n: number): Promise<{ data: Buffer; at: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (b: Buffer): void => {
      chunks.push(b);
      got += b.length;
      if (got < n) return;
      socket.off('data', onData);
      socket.off('error', reject);
      resolve({ data: Buffer.concat(chunks), at: performance.now() });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** Milliseconds from writing `payload` to having received as many bytes back. */
export async function roundTrip(socket: net.Socket, payload: Buffer): Promise<number> {
  const back = receive(socket, payload.length);
  const sent = performance.now();
  socket.write(payload);
  return (await back).at - sent;
}

/** Resolves once the socket has been fully closed, with whether it closed on an error (and which). */
export function closed(socket: net.Socket): Promise<{ hadError: boolean; code?: string }> {
  return new Promise((resolve) => {
    let code: string | undefined;
    socket.on('error', (err: NodeJS.ErrnoException) => (code = err.code));
    socket.once('close', (hadError) => resolve({ hadError, code }));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
