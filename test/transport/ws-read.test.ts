import { createHash } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Duplex, Writable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';

import { now } from '../../src/core/clock.js';
import type { ProtocolAdapter, RequestInput } from '../../src/core/types.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { openaiRealtime } from '../../src/protocols/openai-realtime.js';
import { openaiResponses } from '../../src/protocols/openai-responses.js';
import { getTransport } from '../../src/transport/registry.js';

/**
 * The transport reading frames itself (src/transport/ws-read.ts), against a server that writes raw frames:
 * pings answered, a server close handled as ws handles it, an invalid frame failing the turn.
 */
const ws = createRequire(import.meta.url)('ws') as {
  Sender: { frame(data: Buffer, options: object): Buffer[] };
  Receiver: new (options: object) => Writable;
};
const frame = (opcode: number, data: string | Buffer, fin = true): Buffer =>
  Buffer.concat(ws.Sender.frame(Buffer.from(data), { fin, opcode, mask: false, readOnly: false, rsv1: false }));

const created = '{"type":"response.created","sequence_number":0,"response":{"id":"r1","status":"in_progress"}}';
const delta = (n: number): string =>
  `{"type":"response.output_text.delta","sequence_number":${n},"item_id":"m","output_index":0,"content_index":0,"delta":" x","logprobs":[]}`;
const completed =
  '{"type":"response.completed","sequence_number":9,"response":{"id":"r1","status":"completed","usage":{"input_tokens":3,"output_tokens":2}}}';
const closeFrame = (code: number, reason: string): Buffer => {
  const body = Buffer.alloc(2 + reason.length);
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return frame(8, body);
};

let server: http.Server;
const sockets: Duplex[] = [];
let base: URL;
/** What each path's server saw of the client: its pongs, its close frame, the socket's end; and upgrades. */
const seen = new Map<string, string[]>();
const log = (path: string, what: string): number => (seen.get(path) ?? seen.set(path, []).get(path)!).push(what);

/** The server's frames for the turn, per path: each string one socket write. */
const turns: Record<string, Buffer[]> = {
  '/ping': [
    frame(1, created),
    Buffer.concat([frame(9, 'hi'), frame(1, delta(1).slice(0, 40), false), frame(9, 'mid')]),
    frame(0, delta(1).slice(40)),
    // One message cut across two reads.
    frame(1, delta(2)).subarray(0, 7),
    Buffer.concat([frame(1, delta(2)).subarray(7), frame(1, completed)]),
  ],
  '/close': [Buffer.concat([frame(1, created), closeFrame(4000, 'bye')])],
  '/invalid': [frame(1, created), Buffer.from([0xc1, 1, 0x78])],
};

beforeAll(async () => {
  server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 0 } });
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('/v1/')[0];
    log(path, 'upgrade');
    if (path === '/deflate') {
      wss.handleUpgrade(req, socket, head, (peer) => {
        log(path, `extensions ${peer.extensions}`);
        peer.on('message', () => [created, delta(1), completed].forEach((m) => peer.send(m, { compress: true })));
      });
      return;
    }
    const accept = createHash('sha1')
      .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    const hello = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
    const client = new ws.Receiver({ isServer: true });
    socket.on('data', (d: Buffer) => client.write(d));
    sockets.push(socket);
    // The client let go of the socket (the server half stays open until it ends too).
    socket.on('end', () => {
      log(path, 'client ended');
      socket.end();
    });
    client.on('error', () => {});
    client.on('pong', (d: Buffer) => log(path, `pong ${d.toString()}`));
    client.on('conclude', (code: number) => {
      log(path, `close ${code}`);
      socket.end();
    });
    const respond = async (data: Buffer): Promise<void> => {
      if (path === '/rt') {
        socket.write(frame(1, '{"type":"response.output_text.delta","response_id":"resp_1","delta":"hi"}'));
        socket.write(
          frame(
            1,
            '{"type":"response.done","response":{"id":"resp_1","status":"completed","usage":{"output_tokens":1}}}',
          ),
        );
        return;
      }
      log(path, `request ${JSON.parse(data.toString()).type}`);
      for (const chunk of turns[path]) {
        socket.write(chunk);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    client.on('message', (data: Buffer) => void respond(data));
    // The Realtime greeting in the upgrade response's own write: ws hands it over as the upgrade's head.
    socket.write(path === '/rt' ? Buffer.concat([Buffer.from(hello), frame(1, '{"type":"session.created"}')]) : hello);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const input: RequestInput = { model: 'm', prompt: 'hi', maxOutputTokens: 5, extra: {} };

async function turn(prefix: string, times = 1, protocol: ProtocolAdapter = openaiResponses, deflate = false) {
  const conn = getTransport('ws-persistent').connection(protocol, {
    target: new URL(prefix, base),
    headers: {},
    perMessageDeflate: deflate,
  });
  const tls: Timeline[] = [];
  for (let i = 0; i < times; i++) {
    const tl = new Timeline(now(), now());
    await conn.exchange(input, tl, AbortSignal.timeout(2000));
    tls.push(tl);
  }
  await conn.close();
  // The server's view of the close settles a moment later.
  await new Promise((r) => setTimeout(r, 50));
  return tls;
}

describe('the WebSocket transport reads frames itself', () => {
  it('answers pings, between fragments too, and reads messages cut across reads', async () => {
    const [tl] = await turn('/ping');
    expect(tl.ok, tl.errorMessage).toBe(true);
    expect(tl.deltas).toBe(2);
    expect(tl.usageOutputTokens).toBe(2);
    expect(seen.get('/ping')).toEqual(expect.arrayContaining(['pong hi', 'pong mid']));
  });

  it("ends the turn on the server's close frame with its code, and answers it", async () => {
    const [tl] = await turn('/close');
    expect(tl.errorClass).toBe('reset');
    expect(tl.errorCode).toBe('ws_close_4000');
    expect(tl.ackAt).toBeGreaterThan(0);
    expect(seen.get('/close')).toEqual(['upgrade', 'request response.create', 'close 4000', 'client ended']);
  });

  it('fails the turn on an invalid frame as a protocol error and drops the socket', async () => {
    const [first, second] = await turn('/invalid', 2);
    for (const tl of [first, second]) {
      expect(tl.errorClass).toBe('protocol');
      expect(tl.errorCode).toBe('ws_invalid_frame');
      expect(tl.errorMessage).toMatch(/RSV/);
    }
    // Not closed cleanly but dropped, and the next turn opened a socket of its own.
    const s = seen.get('/invalid')!;
    expect(s.filter((x) => x === 'upgrade')).toHaveLength(2);
    expect(s.filter((x) => x === 'client ended')).toHaveLength(2);
    expect(s.some((x) => x.startsWith('close '))).toBe(false);
  });

  it('reads a greeting that came with the upgrade response, before the session is ready', async () => {
    const [tl] = await turn('/rt', 1, openaiRealtime);
    expect(tl.ok, tl.errorMessage).toBe(true);
    expect(tl.deltas).toBe(1);
  });

  it('leaves the reads to ws when permessage-deflate is negotiated', async () => {
    const [tl] = await turn('/deflate', 1, openaiResponses, true);
    expect(tl.ok, tl.errorMessage).toBe(true);
    expect(tl.deltas).toBe(1);
    expect(seen.get('/deflate')).toContain('extensions permessage-deflate');
  });
});
