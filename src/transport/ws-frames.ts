/**
 * The client's receive side of RFC 6455: a push parser fed the socket's chunks as they arrive. It replaces
 * ws's Receiver on the read path, which pays a Writable stream's bookkeeping, a view per header field and
 * an event emit per message; here a message lying whole in one chunk is a subarray of it, handed straight
 * to the sink. No extensions: with permessage-deflate negotiated the connection keeps ws's Receiver.
 */

/** ws's default maxPayload for a client: the same messages are accepted and refused either way. */
export const MAX_MESSAGE = 100 * 1024 * 1024;

/** A frame no conforming server sends. `status` is the close code the peer would be told (1002, 1009). */
export class FrameError extends Error {
  constructor(
    message: string,
    readonly status = 1002,
  ) {
    super(`invalid WebSocket frame: ${message}`);
  }
}

export interface FrameSink {
  /** A whole message: a view into the socket's chunk when it arrived in one, else a copy. */
  message(data: Buffer, binary: boolean): void;
  /** The caller must answer with a pong carrying the same data. */
  ping(data: Buffer): void;
  pong(data: Buffer): void;
  /** The server's close frame (1005: it carried no code); the caller must reply with a close frame. */
  close(code: number, reason: Buffer): void;
  error(err: FrameError): void;
}

/** 2 bytes, then 8 of 64-bit length; a server's frames carry no mask key. */
const MAX_HEADER = 10;
const OP_CONT = 0x0;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** The close codes a peer may send (RFC 6455 §7.4, as ws checks them). */
function validCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999)
  );
}

export class FrameReader {
  /** The start of a header that the chunk cut off (at most MAX_HEADER - 1 bytes). */
  private head: Buffer | undefined = undefined;
  /** The current frame's payload so far, when it spans chunks, and how many bytes are still to come. */
  private parts: Buffer[] = [];
  private need = 0;
  /** The frame whose header was read last. */
  private op = 0;
  private fin = false;
  private len = 0;
  /** The open fragmented message: its opcode (0: none), fragments and their total length. */
  private fragOp = 0;
  private frags: Buffer[] = [];
  private fragLen = 0;
  /** After a close frame, an error or stop(): the rest of the stream is not read. */
  private done = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxMessage = MAX_MESSAGE,
  ) {}

  /** Stops reading, e.g. when the sink gives up on the socket in the middle of a chunk. */
  stop(): void {
    this.done = true;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    if (this.done || n === 0) return;
    let pos = 0;
    if (this.need > 0) {
      pos = Math.min(this.need, n);
      this.parts.push(pos === n ? chunk : chunk.subarray(0, pos));
      this.need -= pos;
      if (this.need > 0) return;
      const payload = Buffer.concat(this.parts, this.len);
      this.parts = [];
      if (!this.frame(payload)) return;
    } else if (this.head !== undefined) {
      // A cut header is rare and short: join it with the chunk's first bytes rather than copy the chunk.
      const held = this.head;
      this.head = undefined;
      const joined = Buffer.concat([held, chunk.subarray(0, MAX_HEADER)]);
      const size = this.header(joined, 0);
      if (size < 0) return;
      // Still cut: then `joined` holds the whole chunk.
      if (size === 0) return void (this.head = joined);
      pos = this.body(chunk, size - held.length);
    }
    while (pos >= 0 && pos < n) {
      const size = this.header(chunk, pos);
      if (size <= 0) {
        // Copied, so a few held bytes do not pin the socket's whole chunk.
        if (size === 0) this.head = Buffer.from(chunk.subarray(pos));
        return;
      }
      pos = this.body(chunk, pos + size);
    }
  }

  /**
   * Reads and checks the header at `pos`: its size, 0 when the chunk ends inside it, -1 when the frame is
   * invalid (reported). Checked on the first two bytes, as ws does, so a bad frame fails before its payload.
   */
  private header(buf: Buffer, pos: number): number {
    const avail = buf.length - pos;
    if (avail < 2) return 0;
    const b0 = buf[pos];
    const b1 = buf[pos + 1];
    const op = b0 & 0x0f;
    let len = b1 & 0x7f;
    if ((b0 & 0x70) !== 0) return this.fail('RSV bits set without a negotiated extension');
    if ((b1 & 0x80) !== 0) return this.fail('a server frame must not be masked');
    if (op >= OP_CLOSE) {
      if (op > OP_PONG) return this.fail(`unknown opcode ${op}`);
      if ((b0 & 0x80) === 0) return this.fail('fragmented control frame');
      if (len > 125) return this.fail(`control frame of ${len} bytes`);
      if (op === OP_CLOSE && len === 1) return this.fail('close frame of 1 byte');
    } else if (op === OP_CONT) {
      if (this.fragOp === 0) return this.fail('continuation frame without a message to continue');
    } else if (op > OP_BINARY) {
      return this.fail(`unknown opcode ${op}`);
    } else if (this.fragOp !== 0) {
      return this.fail('new message before the fragmented one ended');
    }
    let size = 2;
    if (len === 126) {
      if (avail < 4) return 0;
      len = buf.readUInt16BE(pos + 2);
      size = 4;
    } else if (len === 127) {
      if (avail < 10) return 0;
      // Exact up to 2^53; anything past maxMessage, the top bit included, is refused below.
      len = buf.readUInt32BE(pos + 2) * 0x100000000 + buf.readUInt32BE(pos + 6);
      size = 10;
    }
    if (op < OP_CLOSE && this.fragLen + len > this.maxMessage) {
      return this.fail(`message over ${this.maxMessage} bytes`, 1009);
    }
    this.op = op;
    this.fin = (b0 & 0x80) !== 0;
    this.len = len;
    return size;
  }

  /** The payload of the frame just read, from `pos`: where the next frame starts, or -1 to stop here. */
  private body(chunk: Buffer, pos: number): number {
    const end = pos + this.len;
    if (end <= chunk.length) return this.frame(chunk.subarray(pos, end)) ? end : -1;
    this.need = end - chunk.length;
    this.parts.push(chunk.subarray(pos));
    return -1;
  }

  /** One frame's whole payload: whether to read on. */
  private frame(data: Buffer): boolean {
    const op = this.op;
    if (op < OP_CLOSE) {
      if (op !== OP_CONT && this.fin) {
        this.sink.message(data, op === OP_BINARY);
        return !this.done;
      }
      if (op !== OP_CONT) this.fragOp = op;
      this.frags.push(data);
      this.fragLen += data.length;
      if (!this.fin) return true;
      const message = this.frags.length === 1 ? this.frags[0] : Buffer.concat(this.frags, this.fragLen);
      const binary = this.fragOp === OP_BINARY;
      this.fragOp = 0;
      this.frags = [];
      this.fragLen = 0;
      this.sink.message(message, binary);
      return !this.done;
    }
    if (op === OP_PING) this.sink.ping(data);
    else if (op === OP_PONG) this.sink.pong(data);
    else {
      const code = data.length === 0 ? 1005 : data.readUInt16BE(0);
      // 1005 stands in for a missing code; on the wire it is as invalid as any reserved one.
      if (data.length !== 0 && !validCloseCode(code)) {
        this.fail(`close code ${code}`);
        return false;
      }
      // As ws: nothing after a close frame is read.
      this.done = true;
      this.sink.close(code, data.subarray(data.length === 0 ? 0 : 2));
    }
    return !this.done;
  }

  private fail(message: string, status?: number): -1 {
    this.done = true;
    this.parts = [];
    this.frags = [];
    this.sink.error(new FrameError(message, status));
    return -1;
  }
}
