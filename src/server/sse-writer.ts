import type { ServerResponse } from 'node:http';

import { writeBatch } from './batch-write.js';
import type { EventOut } from './responses.js';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/** Collects the frames of one batch into one string and writes them together (see `writeBatch`). */
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
    writeBatch(this.res, SSE_HEADERS, this.buf, last);
  }
}
