import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';

import { SseWriter } from '../../src/server/sse-writer.js';
import { WsWriter } from '../../src/server/ws-writer.js';

/** Counts the writes that reach the socket's handle: one per syscall (writev or write). */
function countWrites(socket: Socket): { n: number } {
  const count = { n: 0 };
  const s = socket as unknown as { _writev: (...a: unknown[]) => unknown; _write: (...a: unknown[]) => unknown };
  const writev = s._writev.bind(s);
  const write = s._write.bind(s);
  s._writev = (...a) => (count.n++, writev(...a));
  s._write = (...a) => (count.n++, write(...a));
  return count;
}

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

function listen(s: Server): Promise<number> {
  server = s;
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

describe('batched writers', () => {
  it('SseWriter writes a batch of frames (with the headers, the first time) in one syscall', async () => {
    const writes: number[] = [];
    const port = await listen(
      createServer((_req, res) => {
        const count = countWrites(res.socket as Socket);
        const w = new SseWriter(res);
        for (const last of [false, false, true]) {
          const before = count.n;
          w.begin();
          for (let i = 0; i < 20; i++) w.event('response.output_text.delta', `{"i":${i}}`);
          w.data('[DONE]');
          w.end(last);
          writes.push(count.n - before);
        }
      }),
    );
    const body = await new Promise<string>((resolve) =>
      request({ port, host: '127.0.0.1', method: 'POST' }, (res) => {
        let b = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (b += c));
        res.on('end', () => resolve(b));
      }).end(),
    );
    expect(writes).toEqual([1, 1, 1]);
    expect(body.split('event: response.output_text.delta\ndata: {"i":0}\n\n')).toHaveLength(4);
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('WsWriter sends a batch of messages in one syscall', async () => {
    const wss = new WebSocketServer({ noServer: true });
    const writes: number[] = [];
    const s = createServer();
    s.on('upgrade', (req, socket: Socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        const count = countWrites(socket);
        const w = new WsWriter(ws, socket);
        for (let batch = 0; batch < 3; batch++) {
          const before = count.n;
          w.begin();
          for (let i = 0; i < 20; i++) w.event('response.output_text.delta', `{"i":${i}}`);
          w.end();
          writes.push(count.n - before);
        }
      }),
    );
    const port = await listen(s);
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
    const got: string[] = [];
    await new Promise<void>((resolve) =>
      client.on('message', (m) => {
        got.push((m as Buffer).toString());
        if (got.length === 60) resolve();
      }),
    );
    client.terminate();
    wss.close();
    expect(writes).toEqual([1, 1, 1]);
    expect(got.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => `{"i":${i}}`));
  });
});
