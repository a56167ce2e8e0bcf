import { type Cell, LINE_COLUMNS, lineCells } from '../result/requests/columns.js';
import type { RequestLine } from '../result/requests/line.js';
import { LineFile } from './line-file.js';

/** RFC 4180: a cell with a comma, quote or line break is quoted, its quotes doubled; absent is empty. */
function csvCell(v: Cell): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const csvRow = (cells: readonly Cell[]): string => `${cells.map(csvCell).join(',')}\r\n`;

/** `--out csv=FILE`: one row per request, requests.jsonl's fields flattened (result/requests/columns.ts). */
export class CsvOutput extends LineFile {
  protected header(): string {
    return csvRow(LINE_COLUMNS);
  }

  protected record(line: RequestLine): string {
    return csvRow(lineCells(line));
  }
}
