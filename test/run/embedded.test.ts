import { beforeAll, describe, expect, it } from 'vitest';

import { startEmbeddedServer } from '../../src/run/embedded.js';
import { synthesizePrompt } from '../../src/workload/prompt.js';
import { assertBuilt, startCli } from '../cli/helpers.js';
import { getStats, post, WsClient } from '../server/helpers.js';

beforeAll(assertBuilt);

const BODY = { model: 'm', input: 'hi', stream: true };

describe('embedded server flags', () => {
  it('passes the queue, rate limit and faults to `wirebench serve`', async () => {
    const server = await startEmbeddedServer({
      ttftMs: 50,
      outputTokens: 5,
      maxConcurrent: 1,
      rateLimit: 3,
      faults: { 'http-500': 0.25, 'ws-426': 0.5 },
    });
    try {
      // One beyond the burst of 3 is refused; the seed decides which of the others fail: with seed 1,
      // one of the three requests and some of the four upgrades.
      const codes = await Promise.all(
        [1, 2, 3, 4].map(() => post(server.url, '/v1/responses', BODY).then((r) => r.status)),
      );
      expect(codes.sort()).toEqual([200, 200, 429, 500]);
      const opened = await Promise.all(
        [1, 2, 3, 4].map(() =>
          WsClient.open(server.url).then(
            (c) => {
              c.close();
              return true;
            },
            () => false,
          ),
        ),
      );
      const refused = opened.filter((o) => !o).length;
      expect(refused).toBeGreaterThan(0);
      const st = await getStats(server.url);
      expect(st.rateLimited).toBe(1);
      expect(st.faults).toMatchObject({ 'http-500': 1, 'ws-426': refused });
      // Two of the three were streamed, one after the other.
      expect(st.queuedTotal).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('passes --prefix-cache and its capacity', async () => {
    const server = await startEmbeddedServer({ ttftMs: 1, outputTokens: 2, prefixCache: true, prefixCacheBlocks: 2 });
    const cached = async (input: string): Promise<number> =>
      JSON.parse((await post(server.url, '/v1/responses', { model: 'm', input })).body).usage.input_tokens_details
        .cached_tokens;
    try {
      const a = synthesizePrompt(1024, 1);
      expect([await cached(a), await cached(a)]).toEqual([0, 1024]);
      // Two more blocks fill the capacity of two.
      await cached(synthesizePrompt(1024, 2));
      expect(await cached(a)).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('rejects a --prefix-cache-blocks beyond the bound with a usage error', async () => {
    const o = await startCli(['serve', '--prefix-cache', '--prefix-cache-blocks', String(2 ** 21)], {
      timeoutMs: 10_000,
    }).done;
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/--prefix-cache-blocks must be at most 1048576/);
  });

  it('rejects a bad --fault with a usage error naming the entry', async () => {
    const o = await startCli(['serve', '--fault', 'reset=0.1,bogus=0.2'], { timeoutMs: 10_000 }).done;
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/'bogus=0\.2': unknown fault class 'bogus'/);
  });
});
