import type { RequestLine } from '../result/requests/line.js';
import { LineFile } from './line-file.js';

/**
 * `--out json=FILE`: one JSON object per completed request, the very line requests.jsonl gets. k6 writes
 * an object per metric sample; here a request is the sample, and its line already holds every stamp the
 * metrics come from, so splitting it would only multiply the bytes.
 */
export class JsonOutput extends LineFile {
  protected header(): string {
    return '';
  }

  protected record(_line: RequestLine, json: string): string {
    return `${json}\n`;
  }
}
