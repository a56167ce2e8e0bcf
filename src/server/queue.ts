/** A generation waiting for a slot; admitted with the time its slot freed. */
export interface Waiter {
  admit(now: number): void;
}

/** The queue counters of the server stats. */
export interface QueueStats {
  /** Generations waiting now. */
  queueDepth: number;
  /** Generations that had to wait, ever. */
  queuedTotal: number;
  maxQueueDepth: number;
}

/**
 * At most `max` generations decode at once (0 = unlimited), as in a serving engine's batch: the rest
 * wait first come, first served. A slot passes straight from a leaving generation to the longest
 * waiting one, so nothing arriving in between can overtake it.
 */
export class SlotQueue {
  private busy = 0;
  /** Insertion-ordered: iteration order is FIFO, and a client leaving mid-queue is an O(1) delete. */
  private readonly waiting = new Set<Waiter>();

  constructor(
    private readonly max: number,
    private readonly stats: QueueStats,
  ) {}

  /** Takes a slot (true) or queues `w` (false) until `w.admit` hands it one. */
  enter(w: Waiter): boolean {
    if (this.max === 0 || this.busy < this.max) {
      this.busy++;
      return true;
    }
    this.waiting.add(w);
    const s = this.stats;
    s.queuedTotal++;
    s.queueDepth = this.waiting.size;
    s.maxQueueDepth = Math.max(s.maxQueueDepth, s.queueDepth);
    return false;
  }

  /** Gives back `w`'s slot, or its place in the queue; `w` must have entered and not left. */
  leave(w: Waiter): void {
    if (this.waiting.delete(w)) {
      this.stats.queueDepth = this.waiting.size;
      return;
    }
    const next = this.waiting.values().next();
    if (next.done) {
      this.busy--;
      return;
    }
    this.waiting.delete(next.value);
    this.stats.queueDepth = this.waiting.size;
    next.value.admit(performance.now());
  }
}
