/**
 * The CSV traces (Azure, BurstGPT): a line splitter with RFC 4180 quoting on one line, the header's
 * layout, and the row decoder both share — a row is an arrival time and two token counts.
 */
import { describeValue } from '../../shared/input-error.js';
import { type Decoder, failed, type RecordIssue } from './fields.js';

/** Where a format's columns are in the file, as its header says. */
export interface CsvLayout {
  columns: readonly number[];
  fields: number;
}

/** What a CSV trace format reads. */
export interface CsvTrace {
  /** Header names of the arrival time, the prompt's token count and the answer's. */
  columns: readonly [string, string, string];
  /** The time field read, undefined if it cannot be. */
  time(value: string): Instant | undefined;
  /** What the time field should look like, for messages. */
  timeExpected: string;
  /** Why rows with 0 prompt tokens, or 0 answer tokens, are skipped. */
  skips: { input: string; output: string };
}

/**
 * A time as whole ms and the ns beyond: one double of epoch ms would blur the µs the traces give, so
 * times are subtracted in whole ns (exact for spans up to 104 days) and divided last.
 */
export interface Instant {
  ms: number;
  ns: number;
}

/** `wholeMs` plus a decimal fraction of a second given as its digits (`"6805900"` of `46.6805900`). */
export function instant(wholeMs: number, fraction = ''): Instant {
  const digits = fraction.slice(0, 9).padEnd(9, '0');
  return { ms: wholeMs + Number(digits.slice(0, 3)), ns: Number(digits.slice(3)) };
}

/** Splits one line into fields; `starts` are their positions, for columns in messages. */
function splitCsv(text: string): { fields: string[]; starts: number[] } | RecordIssue {
  const fields: string[] = [];
  const starts: number[] = [];
  for (let i = 0; ; i++) {
    starts.push(i);
    if (text[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1)
          return {
            path: '',
            at: i,
            message: 'invalid CSV: a quoted field is not closed on its line (fields spanning lines are not supported)',
          };
        value += text.slice(j, q);
        j = q + 1;
        if (text[j] !== '"') break;
        value += '"';
        j++;
      }
      if (j < text.length && text[j] !== ',')
        return {
          path: '',
          at: j,
          message: `invalid CSV: expected "," after a quoted field, got ${JSON.stringify(text[j])}`,
        };
      fields.push(value);
      i = j;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma === -1 ? text.length : comma;
      fields.push(text.slice(i, end));
      i = end;
    }
    if (i >= text.length) return { fields, starts };
  }
}

/** The layout of a header naming all of `trace`'s columns (case and surrounding spaces aside), else undefined. */
export function layoutOf(header: string, trace: CsvTrace): CsvLayout | undefined {
  const split = splitCsv(header);
  if (!('fields' in split)) return undefined;
  const names = split.fields.map((f) => f.trim().toLowerCase());
  const columns = trace.columns.map((c) => names.indexOf(c.toLowerCase()));
  return columns.includes(-1) ? undefined : { columns, fields: names.length };
}

/** Times are ms after the first usable row's, so that they come out exact. */
export function csvDecoder(trace: CsvTrace, layout: CsvLayout): Decoder {
  let first: Instant | undefined;
  const [timeName, inputName, outputName] = trace.columns;
  return (text, line) => {
    const split = splitCsv(text);
    if (!('fields' in split)) return failed(split);
    if (split.fields.length !== layout.fields) {
      return failed({
        path: '',
        message: `expected ${layout.fields} fields as in the header, got ${split.fields.length}`,
      });
    }
    const [t, i, o] = layout.columns.map((c) => split.fields[c].trim());
    const [tAt, iAt, oAt] = layout.columns.map((c) => split.starts[c]);
    const issues: RecordIssue[] = [];
    const time = trace.time(t);
    if (time === undefined)
      issues.push({ path: timeName, at: tAt, message: `expected ${trace.timeExpected}, got ${describeValue(t)}` });
    const input = tokenCount(i, inputName, iAt, issues);
    const output = tokenCount(o, outputName, oAt, issues);
    if (issues.length > 0 || time === undefined) return { issues };
    if (output === 0) return { skip: trace.skips.output };
    if (input === 0) return { skip: trace.skips.input };
    first ??= time;
    const ms = ((time.ms - first.ms) * 1e6 + time.ns - first.ns) / 1e6;
    return { record: { line, kind: 'length', inputTokens: input, outputTokens: output }, time: ms };
  };
}

/** An integer >= 0; `123.0` too, as tools that passed the column through floats write it. */
function tokenCount(value: string, path: string, at: number, issues: RecordIssue[]): number {
  if (/^\d+(\.0*)?$/.test(value)) return Number(value);
  issues.push({ path, at, message: `expected an integer >= 0, got ${describeValue(value)}` });
  return 0;
}
