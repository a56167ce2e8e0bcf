import type { ServerResponse } from 'node:http';

import { writeBatch } from './batch-write.js';

const NDJSON_HEADERS = { 'content-type': 'application/x-ndjson' };

/** Collects the lines of one batch of an NDJSON body (Ollama) and writes them together. */
export class NdjsonWriter {
  private buf = '';

  constructor(private readonly res: ServerResponse) {}

  begin(): void {
    this.buf = '';
  }

  line(json: string): void {
    this.buf += `${json}\n`;
  }

  end(last: boolean): void {
    // A batch with no line (the ack) sends nothing: Ollama's headers leave with its first line.
    if (this.buf === '' && !last) return;
    writeBatch(this.res, NDJSON_HEADERS, this.buf, last);
  }
}
