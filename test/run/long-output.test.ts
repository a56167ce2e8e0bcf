import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { countText } from '../../src/shared/tokens.js';
import { base64Blob } from '../shared/blob.js';
import { buildRuns, scenarioOf } from './helpers.js';

/**
 * An endpoint that ignores include_usage and streams a megabyte of one word (a blob: base64, a long
 * `=====`, minified code) in one delta. Counting it takes the tokenizer ~700 ms even in pieces: the
 * client counts it on its tokenizer thread and records the request when the count arrives, so the loop
 * that stamps every other stream never stalls, and the count is exact.
 */
const BLOB = base64Blob(5, 750_000);
const chunk = (text: string) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: text } }] })}\n\n`;

let server: http.Server;
let url: string;
let served = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // The first request of all gets the blob; the others stream " hello" ten times, 5 ms apart.
      if (served++ === 0) return void res.end(`${chunk(BLOB)}data: [DONE]\n\n`);
      let k = 0;
      const timer = setInterval(() => {
        res.write(chunk(' hello'));
        if (++k < 10) return;
        clearInterval(timer);
        res.end('data: [DONE]\n\n');
      }, 5);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('a megabyte delta of one word from an endpoint without usage', () => {
  it('is counted exactly off the loop: no stall above 50 ms, the other streams recorded as usual', async () => {
    const s = scenarioOf(`name: blob
target: ${url}
request: { prompt_tokens: 8, max_output_tokens: 10 }
variants:
  - { name: chat, protocol: openai-chat, connection: http-keepalive }
load: { kind: closed, concurrency: 4, requests: 12 }
timeout: 10
`);
    const [{ run, lines }] = buildRuns(s, url);
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    await run.block(Infinity, Infinity, () => {});
    delay.disable();
    await run.close();
    expect(delay.max / 1e6).toBeLessThan(50);
    expect(lines).toHaveLength(12);
    expect(lines.every((l) => l.ok)).toBe(true);
    const blob = lines.filter((l) => l.output_tokens > 10);
    expect(blob).toHaveLength(1);
    expect(blob[0]).toMatchObject({ token_source: 'tokenizer', output_tokens: countText(BLOB) });
    // The others: ten words each, counted on the loop.
    for (const l of lines) if (l !== blob[0]) expect(l).toMatchObject({ token_source: 'tokenizer', output_tokens: 10 });
    expect(run.rec.ok).toBe(12);
  });
});
