import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

import type { Rng } from '../shared/rng.js';
import type { Link } from './link.js';

export interface DelayLineOptions {
  /** One-way delay: half the emulated round trip. */
  delayMs: number;
  /** Each chunk's delay is drawn uniformly from delayMs ± jitterMs, never below zero. */
  jitterMs: number;
  random: Rng;
  /** Bandwidth shared with the other connections in this direction; none = unlimited. */
  link?: Link;
  /** Bytes held for the destination (queued here or in its socket buffer) beyond which the source is paused. */
  highWaterBytes: number;
  onDelivered(bytes: number): void;
}

/** What travels down the line: bytes, the sender's FIN (`end`) or its RST (`reset`). */
type Item = { due: number; kind: 'data'; data: Buffer } | { due: number; kind: 'end' | 'reset' };

/**
 * One direction of a relayed connection: everything read from `src` is written to `dst` at its due time.
 *
 * Due times are absolute (performance.now() ms) and the queue is a FIFO served from its head only, so
 * one timer per direction suffices and a late timer delivers all that is due at once instead of pushing
 * every later chunk back, as a sleep per chunk would. Serving the head only is also what keeps the byte
 * stream in order under jitter: a chunk that drew a short delay waits for the one before it, as TCP's
 * in-order delivery would make it wait.
 */
export class DelayLine {
  private readonly queue: Item[] = [];
  private head = 0;
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private paused = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly opts: DelayLineOptions,
  ) {
    dst.on('drain', () => this.resumeIfDrained());
    // Nothing more can reach a closed destination: holding its queue would only pin the memory.
    dst.once('close', () => this.stop());
  }

  data(chunk: Buffer): void {
    if (this.dst.destroyed) return;
    const now = performance.now();
    const delay = this.drawDelay();
    const link = this.opts.link;
    if (link === undefined) {
      this.enqueue({ due: now + delay, kind: 'data', data: chunk }, now);
    } else {
      for (let off = 0; off < chunk.length; off += link.sliceBytes) {
        const slice = chunk.subarray(off, off + link.sliceBytes);
        this.enqueue({ due: link.transmit(slice.length, now) + delay, kind: 'data', data: slice }, now);
      }
    }
    if (!this.paused && this.pending() > this.opts.highWaterBytes) {
      this.paused = true;
      this.src.pause();
    }
  }

  /** The source half-closed: the destination's end() follows the data still on the line. */
  end(): void {
    this.control('end');
  }

  /** The source failed or was reset: the destination is reset once the data before it has arrived. */
  reset(): void {
    this.control('reset');
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.head = 0;
    this.queuedBytes = 0;
  }

  private control(kind: 'end' | 'reset'): void {
    if (this.dst.destroyed) return;
    const now = performance.now();
    this.enqueue({ due: now + this.drawDelay(), kind }, now);
  }

  private drawDelay(): number {
    const { delayMs, jitterMs, random } = this.opts;
    return jitterMs === 0 ? delayMs : Math.max(0, delayMs + (random() * 2 - 1) * jitterMs);
  }

  private enqueue(item: Item, now: number): void {
    if (item.kind === 'data') this.queuedBytes += item.data.length;
    // Zero delay and nothing ahead: pass straight through rather than pay a timer's minimum of 1 ms.
    if (this.head === this.queue.length && item.due <= now) {
      this.deliver(item);
      return;
    }
    this.queue.push(item);
    if (this.timer === undefined) this.arm(now);
  }

  private arm(now: number): void {
    // Rounded up: a timer may fire a little early against performance.now(), and a chunk must never
    // arrive before its delay has passed; one that did is picked up by the next, 1 ms timer.
    this.timer = setTimeout(() => this.fire(), Math.ceil(this.queue[this.head].due - now));
  }

  private fire(): void {
    this.timer = undefined;
    const now = performance.now();
    // Several chunks due in one tick go out as one write, as they would arrive in one segment.
    this.dst.cork();
    while (this.head < this.queue.length && this.queue[this.head].due <= now) this.deliver(this.queue[this.head++]);
    this.dst.uncork();
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else {
      // The consumed prefix is reclaimed now and then, so a line that never empties does not grow forever.
      if (this.head > 1024) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.arm(now);
    }
    this.resumeIfDrained();
  }

  private deliver(item: Item): void {
    if (item.kind === 'data') this.queuedBytes -= item.data.length;
    if (this.dst.destroyed) return;
    if (item.kind === 'data') {
      this.dst.write(item.data);
      this.opts.onDelivered(item.data.length);
    } else if (item.kind === 'end') {
      // end(), not destroy(): the peer still reads what it was sent and may go on writing.
      this.dst.end();
    } else {
      this.dst.resetAndDestroy();
    }
  }

  private pending(): number {
    return this.queuedBytes + this.dst.writableLength;
  }

  private resumeIfDrained(): void {
    // Half the high-water mark: resuming at the mark itself would pause again at the next chunk.
    if (this.paused && this.pending() <= this.opts.highWaterBytes / 2) {
      this.paused = false;
      this.src.resume();
    }
  }
}
