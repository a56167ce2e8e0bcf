import { monitorEventLoopDelay } from 'node:perf_hooks';

import { describe, expect, it } from 'vitest';

import { countSoon, encodeOffThread, OFF_THREAD_CHARS } from '../../src/shared/token-thread.js';
import { countText, encodeText } from '../../src/shared/tokens.js';

describe('the tokenizer thread', () => {
  it('counts a short text on the loop, at once', () => {
    const text = 'x'.repeat(OFF_THREAD_CHARS - 1);
    expect(countSoon(text)).toBe(countText(text));
  });

  it('counts and encodes long texts as the loop would, without stalling the loop', async () => {
    const mega = 'a'.repeat(1_000_000); // one word: ~250 ms of tokenizing on the loop
    const prose = 'the quick brown fox jumps over the lazy dog '.repeat(400);
    await countSoon('warm up the thread'.repeat(1000)); // loading the tokenizer is the thread's own cost
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const [count, ids] = await Promise.all([countSoon(mega), encodeOffThread([prose, mega, 'short'])]);
    delay.disable();
    expect(delay.max / 1e6).toBeLessThan(50);
    expect(count).toBe(countText(mega));
    expect(ids.map((a) => a.length)).toEqual([countText(prose), count, countText('short')]);
    expect([...ids[0]]).toEqual([...encodeText(prose)]);
  });

  it('answers concurrent jobs each with its own result', async () => {
    const texts = Array.from({ length: 6 }, (_, i) => `w${i} `.repeat(3000 + i * 500));
    const pending = texts.map((t) => countSoon(t));
    expect(pending.every((p) => p instanceof Promise)).toBe(true);
    const counts = await Promise.all(pending as Promise<number>[]);
    expect(counts).toEqual(texts.map((t) => countText(t)));
  });
});
