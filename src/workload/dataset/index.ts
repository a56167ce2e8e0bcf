/**
 * The indexing pass over a dataset file: one streamed read that validates every record, counts the
 * skipped ones and keeps where each usable record is, so that a run can read any of them later without
 * holding the file's text.
 */
import { describeValue } from '../../shared/input-error.js';
import type { DatasetFormat } from '../types.js';
import { IndexBuilder } from './builder.js';
import { type CsvLayout, layoutOf } from './csv.js';
import type { Decoder } from './fields.js';
import {
  CANNOT_TELL,
  CSV_TRACES,
  csvFormatOf,
  decoderFor,
  formatFromName,
  isCsvFormat,
  jsonLinesFormat,
  type NamedFormat,
  timeField,
} from './formats.js';
import { eachLine } from './lines.js';
import { isFsError, Problems, unreadable } from './problems.js';
import { decodeShareGpt } from './sharegpt.js';
import { eachElement } from './sharegpt-scan.js';
import { FileWindow, type ReadOptions, tooLarge } from './window.js';

export { DatasetReader } from './reader.js';
export type { ReadOptions } from './window.js';

export interface DatasetIndex {
  path: string;
  format: DatasetFormat;
  /** The format was told from the file's name and first record, not given. */
  detected: boolean;
  /** Usable records. */
  records: number;
  /** Records the file holds that are no request, per reason: `{ count: 12, reason: 'empty conversations' }`. */
  skipped: { count: number; reason: string }[];
  /** ms after the first usable record, one per usable record, when the records have times. */
  timestamps?: Float64Array;
  /** Where each usable record is: byte offset, byte length, 1-based line. */
  offsets: Float64Array;
  lengths: Uint32Array;
  lines: Uint32Array;
  /** The CSV formats: where the header put the columns read. */
  csv?: CsvLayout;
  /** The file as indexed: a reader refuses one that has changed since. */
  size: number;
  mtimeMs: number;
}

/**
 * Reads the whole file once. Throws a ScenarioError naming the file, with its first problems at their
 * lines and fields, if a record is invalid, the times go back, nothing in it is usable, or it cannot be read.
 */
export async function indexDataset(
  path: string,
  format?: DatasetFormat,
  options: ReadOptions = {},
): Promise<DatasetIndex> {
  // Typed so that its `never`-returning fail() narrows.
  const problems: Problems = new Problems(path);
  const named = format ?? formatFromName(path);
  if (named === undefined) problems.fail({ path: '', message: CANNOT_TELL });
  let w: FileWindow | undefined;
  try {
    w = await FileWindow.open(path, options);
    const builder = new IndexBuilder(problems);
    const pass =
      named === 'sharegpt' ? await elementPass(w, problems, builder) : await linePass(w, named, problems, builder);
    problems.throwIfAny();
    const built = builder.done();
    if (pass === undefined || built.records === 0) {
      const skipped = built.skipped.map((s) => `${s.count} ${s.reason}`).join(', ');
      problems.fail({ path: '', message: `no usable records${skipped === '' ? '' : ` (skipped: ${skipped})`}` });
    }
    return {
      path,
      format: pass.format,
      detected: format === undefined,
      ...built,
      ...(pass.csv && { csv: pass.csv }),
      size: w.size,
      mtimeMs: w.mtimeMs,
    };
  } catch (err) {
    throw isFsError(err) ? unreadable(path, err) : err;
  } finally {
    await w?.close();
  }
}

interface Pass {
  format: DatasetFormat;
  csv?: CsvLayout;
}

async function elementPass(w: FileWindow, problems: Problems, builder: IndexBuilder): Promise<Pass> {
  await eachElement(w, problems, (text, line, offset, bytes, ordinal) => {
    builder.add(decodeShareGpt(text, line, ordinal), text, line, offset, bytes, false);
  });
  return { format: 'sharegpt' };
}

/** The line formats; the first non-blank line settles the format (CSV header, first record) when not given. */
async function linePass(
  w: FileWindow,
  named: NamedFormat,
  problems: Problems,
  builder: IndexBuilder,
): Promise<Pass | undefined> {
  let reading: { pass: Pass; decode: Decoder } | undefined;
  await eachLine(
    w,
    (text, line, offset, bytes) => {
      if (text.trim() === '') return;
      if (reading === undefined) {
        const header = named === 'csv' || (named !== 'json-lines' && isCsvFormat(named));
        const pass = header
          ? csvPass(named, text, line, problems)
          : { format: named === 'json-lines' ? jsonLinesFormat(text) : named };
        reading = { pass, decode: decoderFor(pass.format, pass.csv) };
        builder.timeField = timeField(pass.format);
        if (header) return;
      }
      builder.add(reading.decode(text, line, 0), text, line, offset, bytes, true);
    },
    (line) => problems.fail({ path: '', line, message: `the line is ${tooLarge(w.maxRecord)}` }),
  );
  return reading?.pass;
}

function csvPass(named: NamedFormat, header: string, line: number, problems: Problems): Pass {
  if (named === 'csv') {
    const found = csvFormatOf(header);
    if (found !== undefined) return { format: found.format, csv: found.layout };
    return problems.fail({
      path: '',
      line,
      message: `cannot tell the trace from its header (expected Azure's ${CSV_TRACES['azure-csv'].columns.join(',')} or BurstGPT's Timestamp,Model,Request tokens,Response tokens,…), got ${describeValue(header)}; set dataset.format`,
    });
  }
  const format = named as keyof typeof CSV_TRACES;
  const csv = layoutOf(header, CSV_TRACES[format]);
  if (csv !== undefined) return { format, csv };
  return problems.fail({
    path: '',
    line,
    message: `expected a header naming ${CSV_TRACES[format].columns.join(', ')}, got ${describeValue(header)}`,
  });
}
