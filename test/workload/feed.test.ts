import { describe, expect, it } from 'vitest';

import { BufferedFeed, MadeFeed } from '../../src/workload/feed.js';
import type { WorkItem } from '../../src/workload/types.js';

const item = (n: number): WorkItem => ({ prompt: `p${n}`, maxOutputTokens: n });

/** A source of `total` numbers read in batches, counting its reads and how many are in flight at once. */
function source(total: number, delayMs = 0) {
  const stats = { reads: 0, inFlight: 0, maxInFlight: 0 };
  let next = 0;
  const read = async (count: number): Promise<number[]> => {
    stats.reads++;
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    await new Promise((r) => (delayMs > 0 ? setTimeout(r, delayMs) : setImmediate(r)));
    stats.inFlight--;
    const out: number[] = [];
    while (out.length < count && next < total) out.push(next++);
    return out;
  };
  return { read, stats };
}

async function drain(feed: BufferedFeed<number>): Promise<WorkItem[]> {
  const out: WorkItem[] = [];
  for (;;) {
    const x = feed.take();
    if (x !== undefined) out.push(x);
    else if (feed.ended) return out;
    else await feed.more();
  }
}

describe('feeds', () => {
  it('a made feed numbers its items from 0 and never runs dry', () => {
    const feed = new MadeFeed(item);
    expect([feed.take(), feed.take(), feed.take()].map((x) => x.maxOutputTokens)).toEqual([0, 1, 2]);
    expect(feed.ended).toBe(false);
  });

  it('a buffered feed yields every source once, in order, one read at a time, and then ends', async () => {
    const { read, stats } = source(1000, 1);
    const feed = new BufferedFeed(read, item);
    expect(feed.take()).toBeUndefined(); // nothing read yet: the first take starts the read
    const items = await drain(feed);
    expect(items.map((x) => x.maxOutputTokens)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(stats.maxInFlight).toBe(1);
    // Batches of 256, and one more read that finds the source over.
    expect(stats.reads).toBe(5);
    expect(feed.ended).toBe(true);
  });

  it('reads ahead while items are still buffered, so a steady taker rarely waits', async () => {
    // A read that takes one turn of the event loop, a taker that yields one turn per item: the read
    // started LOW items early is in before the buffer runs out.
    const { read } = source(10_000);
    const feed = new BufferedFeed(read, item);
    await feed.more();
    let waits = 0;
    for (let n = 0; n < 2000; n++) {
      if (feed.take() !== undefined) {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      waits++;
      await feed.more();
      n--;
    }
    expect(waits).toBe(0);
  });

  it('makes each item only when it is taken', async () => {
    const made: number[] = [];
    const feed = new BufferedFeed(source(10).read, (n: number) => {
      made.push(n);
      return item(n);
    });
    await feed.more();
    expect(made).toEqual([]);
    feed.take();
    feed.take();
    expect(made).toEqual([0, 1]);
  });

  it('a failed read is reported by more(), every time, never as an end or an unhandled rejection', async () => {
    let calls = 0;
    const feed = new BufferedFeed<number>(async () => {
      if (calls++ === 0) return [1, 2];
      throw new Error('gone');
    }, item);
    await feed.more();
    expect(feed.take()?.maxOutputTokens).toBe(1); // starts the next read, which fails in the background
    await new Promise((r) => setTimeout(r, 5));
    expect(feed.take()?.maxOutputTokens).toBe(2);
    expect(feed.take()).toBeUndefined();
    await expect(feed.more()).rejects.toThrow('gone');
    // Were it `ended`, a loop would stop quietly and the run would look complete with fewer requests.
    expect(feed.ended).toBe(false);
    await expect(feed.more()).rejects.toThrow('gone');
  });
});
