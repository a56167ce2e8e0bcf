import { request } from 'node:http';

import type { HttpProtocol, RequestInput } from '../../src/core/types.js';
import { RecordingSink } from '../protocols/helpers.js';

/**
 * Sends one request the way `protocol` encodes it and feeds the response body, chunk by chunk as it
 * arrives, to the protocol's own decoder: the adapter checked against the server's twin, without the
 * transports in between.
 */
export function decodeFrom(
  baseUrl: string,
  protocol: HttpProtocol,
  input: RequestInput,
): Promise<{ status: number; sink: RecordingSink; /** hrtime ns, just before the request was sent */ start: number }> {
  const sink = new RecordingSink();
  const now = () => Number(process.hrtime.bigint());
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(protocol.path, baseUrl),
      { method: 'POST', agent: false, headers: protocol.headers },
      (res) => {
        const status = res.statusCode ?? 0;
        const decoder = status >= 200 && status < 300 ? protocol.decoder(sink) : undefined;
        res.on('data', (chunk: Buffer) => decoder?.push(chunk, now()));
        res.on('end', () => {
          decoder?.end(now());
          resolve({ status, sink, start });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const start = now();
    req.end(protocol.encode(input));
  });
}
