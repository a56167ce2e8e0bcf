/**
 * A server cheaper than any client, for bench/workers: on raw sockets it replays one recorded answer,
 * pre-framed — an SSE body with a content-length for each HTTP request, one buffer of WebSocket frames for
 * each client message — so the client, not the server, runs out of CPU. Usage:
 * node flood-server.js <recording.json>; prints its port. The recording is {"sse": body, "ws": [message…]}.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

const recording = JSON.parse(readFileSync(process.argv[2], 'utf8')) as { sse: string; ws: string[] };
const sse = Buffer.from(recording.sse);
const reply = Buffer.concat([
  Buffer.from(
    'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: keep-alive\r\n' +
      `content-length: ${sse.length}\r\n\r\n`,
  ),
  sse,
]);

/** An unmasked server text frame (RFC 6455 §5.2). */
function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x81, n]) : Buffer.from([0x81, 126, n >> 8, n & 0xff]);
  if (n >= 65536) throw new Error('recorded message too long');
  return Buffer.concat([header, payload]);
}
const frames = Buffer.concat(recording.ws.map(frame));

/** Length of the first complete client frame in `b` (masked), or 0 while it is incomplete. */
function clientFrame(b: Buffer): number {
  if (b.length < 2) return 0;
  const len7 = b[1] & 0x7f;
  const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  if (b.length < 2 + ext) return 0;
  const len = len7 === 126 ? b.readUInt16BE(2) : len7 === 127 ? Number(b.readBigUInt64BE(2)) : len7;
  const total = 2 + ext + 4 + len;
  return b.length >= total ? total : 0;
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let buf: Buffer = Buffer.alloc(0);
  let ws = false;
  socket.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    for (;;) {
      if (ws) {
        const n = clientFrame(buf);
        if (n === 0) return;
        const opcode = buf[0] & 0x0f;
        buf = buf.subarray(n);
        if (opcode === 0x8) return void socket.end();
        if (opcode === 0x1 || opcode === 0x2) socket.write(frames);
        continue;
      }
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const key = /\r\nsec-websocket-key:\s*(\S+)/i.exec(head)?.[1];
      if (key !== undefined) {
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`,
        );
        ws = true;
        buf = buf.subarray(end + 4);
        continue;
      }
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      buf = buf.subarray(end + 4 + length);
      socket.write(reply);
    }
  });
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${typeof addr === 'object' && addr !== null ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => process.exit(0));
