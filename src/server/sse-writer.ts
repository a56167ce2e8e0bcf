import type { ServerResponse } from 'node:http';
import type { EventOut } from './responses.js';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/**
 * Collects the frames of one batch into one string and writes it with the socket corked, so a batch
 * (the headers included, for the first) leaves in one syscall and at once, not on the next tick.
 */
export class SseWriter implements EventOut {
  private buf = '';

  constructor(private readonly res: ServerResponse) {}

  begin(): void {
    this.buf = '';
  }

  /** A named event (OpenAI Responses). */
  event(type: string, json: string): void {
    this.buf += `event: ${type}\ndata: ${json}\n\n`;
  }

  /** A data-only event (Chat Completions). */
  data(payload: string): void {
    this.buf += `data: ${payload}\n\n`;
  }

  end(last: boolean): void {
    const res = this.res;
    if (res.destroyed) return;
    if (!res.headersSent) res.writeHead(200, SSE_HEADERS);
    if (last) {
      res.end(this.buf);
      return;
    }
    res.cork();
    res.write(this.buf);
    res.uncork();
  }
}
