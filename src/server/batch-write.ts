import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Writes one batch of a streamed 200 body with the socket corked, so the batch (the headers included,
 * for the first) leaves in one syscall and at once, not on the next tick; `last` ends the body in the
 * same write.
 */
export function writeBatch(res: ServerResponse, headers: OutgoingHttpHeaders, payload: string, last: boolean): void {
  if (res.destroyed) return;
  if (!res.headersSent) res.writeHead(200, headers);
  if (last) {
    res.end(payload);
    return;
  }
  res.cork();
  res.write(payload);
  res.uncork();
}
