import { Agent, request } from 'undici';

/** A /metrics page larger than this is not one: the scrape fails rather than buffer it. */
const MAX_BYTES = 32 * 1024 * 1024;

/**
 * GETs a metrics page as text within `timeoutMs` all told (connect, headers, body), from a server whose
 * certificate `ca` vouches for when given. Rejects on any status but 200.
 */
export async function fetchMetricsText(url: string, timeoutMs: number, ca?: string): Promise<string> {
  const dispatcher = ca === undefined ? undefined : new Agent({ connect: { ca } });
  try {
    const res = await request(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      headers: { accept: 'text/plain;version=0.0.4' },
      ...(dispatcher !== undefined ? { dispatcher } : {}),
    });
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => {});
      throw new Error(`HTTP ${res.statusCode}`);
    }
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BYTES) {
        res.body.destroy();
        throw new Error(`the page is larger than ${MAX_BYTES / 1024 / 1024} MiB`);
      }
      parts.push(chunk);
    }
    return Buffer.concat(parts).toString('utf8');
  } finally {
    if (dispatcher !== undefined) void dispatcher.close().catch(() => {});
  }
}
