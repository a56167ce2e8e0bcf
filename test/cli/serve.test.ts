import { request } from 'node:http';

import { beforeAll, describe, expect, it } from 'vitest';

import { assertBuilt, startCli, waitFor } from './helpers.js';

beforeAll(assertBuilt);

function postStream(url: string, body: unknown): Promise<{ status: number; contentType: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/v1/responses', url),
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' }, timeout: 5_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => (text += s));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), text }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no response within 5 s')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('wirebench serve', () => {
  it('announces its port once, streams a response and exits 0 on SIGTERM', async () => {
    const serve = startCli(['serve', '--port', '0', '--ttft-ms', '10', '--output-tokens', '5'], { timeoutMs: 15_000 });
    try {
      await waitFor(() => serve.stdout().includes('\n'), 10_000, 'the listening line');
      const m = /^listening (http:\/\/127\.0\.0\.1:(\d+))\n$/.exec(serve.stdout());
      expect(m, serve.stdout()).not.toBeNull();
      const url = m![1];

      const res = await postStream(url, { model: 'wirebench-ref', input: 'hello', stream: true });
      expect(res.status).toBe(200);
      expect(res.contentType).toMatch(/^text\/event-stream/);
      const events = [...res.text.matchAll(/^event: (\S+)$/gm)].map((e) => e[1]);
      expect(events[0]).toBe('response.created');
      expect(events.at(-1)).toBe('response.completed');
      expect(events.filter((e) => e === 'response.output_text.delta')).toHaveLength(5);
    } finally {
      serve.child.kill('SIGTERM');
    }
    const sent = Date.now();
    const o = await serve.done;
    expect(Date.now() - sent).toBeLessThan(3_000);
    expect(o.code, o.stderr).toBe(0);
    // Exactly one line: whoever started the server reads its address from it.
    expect(o.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
  });
});
