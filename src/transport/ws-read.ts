import type { Socket } from 'node:net';

import WebSocket from 'ws';

import { type FrameError, FrameReader } from './ws-frames.js';

type DataListener = (chunk: Buffer) => void;

/** The socket's 'data' listeners at ws's 'upgrade' event, so that the one ws adds next can be told apart. */
export function dataListeners(socket: Socket | undefined): readonly unknown[] {
  return socket?.listeners('data') ?? [];
}

/**
 * Takes the socket's reads over from ws once the upgrade is done (call it on 'open'). ws reads through
 * its Receiver, a Writable stream: per socket read, that stream's bookkeeping and a deferred callback, per
 * message two emits. Its 'data' listener is swapped for a FrameReader that calls `message` directly,
 * after the timed socket's listener has stamped the chunk's arrival (bench/ws-read.ts has the numbers).
 *
 * ws keeps the socket for everything else: sending, close(), terminate(), a dropped connection's 'close'.
 * A ping is answered through ws.pong(), as ws's own auto-pong does. A server close frame is handed to ws's
 * listener, which ws's Receiver reads as ever: ws replies, ends the socket and emits 'close' with the
 * server's code. An invalid frame is `error`'s to handle; nothing is read after it.
 *
 * Returns false, leaving the reads to ws, when an extension was negotiated (permessage-deflate: frames
 * FrameReader cannot read), or when ws did not add exactly one 'data' listener since `before`.
 */
export function takeReads(
  ws: WebSocket,
  socket: Socket | undefined,
  before: readonly unknown[],
  message: (data: Buffer) => void,
  error: (err: FrameError) => void,
): boolean {
  if (socket === undefined || ws.extensions !== '') return false;
  const added = socket.listeners('data').filter((l) => !before.includes(l));
  if (added.length !== 1) return false;
  const theirs = added[0] as DataListener;
  socket.removeListener('data', theirs);
  const reader = new FrameReader({
    message,
    ping: (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.pong(data);
    },
    pong: () => {},
    close: (code, reason) => theirs.call(socket, closeFrame(code, reason)),
    error,
  });
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
  return true;
}

/** The close frame the server sent, rebuilt for ws's Receiver (1005: it carried no code). */
function closeFrame(code: number, reason: Buffer): Buffer {
  if (code === 1005) return Buffer.from([0x88, 0]);
  const frame = Buffer.allocUnsafe(4 + reason.length);
  frame[0] = 0x88;
  frame[1] = 2 + reason.length;
  frame.writeUInt16BE(code, 2);
  reason.copy(frame, 4);
  return frame;
}
