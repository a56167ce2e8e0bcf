/**
 * One direction of an emulated access link of fixed bandwidth. Every connection through the relay
 * shares it, as the flows behind one real link (or one `tc netem rate`) share its capacity: eight
 * concurrent streams at 8 Mbit/s get 1 Mbit/s each, not 8 each.
 *
 * Bytes are serialized in the order they reach the link. A link that sat idle earns no credit, so
 * there is no burst allowance: a real wire cannot send faster later for having been quiet earlier.
 */
export class Link {
  private readonly bytesPerMs: number;
  /**
   * About one millisecond of transmission, and no less than one Ethernet payload: a large write leaves
   * the link progressively, as packets would, instead of landing whole after its full transmission
   * time, while the number of timer wake-ups stays near one per millisecond at any bandwidth.
   */
  readonly sliceBytes: number;
  /** When the last byte handed to the link so far will have been sent (performance.now() ms). */
  private freeAt = 0;

  constructor(kbps: number) {
    if (!(kbps > 0)) throw new Error(`bandwidth must be > 0 kbit/s, got ${kbps}`);
    // kbit/s is 1000 bit/s, as network rates (and tc) count, not 1024.
    this.bytesPerMs = (kbps * 1000) / 8 / 1000;
    this.sliceBytes = Math.max(1460, Math.ceil(this.bytesPerMs));
  }

  /** Queues `bytes` behind what is already on the link; returns when their last byte has been sent. */
  transmit(bytes: number, now: number): number {
    this.freeAt = Math.max(now, this.freeAt) + bytes / this.bytesPerMs;
    return this.freeAt;
  }
}
