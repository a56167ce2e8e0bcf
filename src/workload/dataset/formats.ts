/** Which decoder reads a format, and how a format is told from a file's name and first record. */
import { DATASET_FORMATS, type DatasetFormat } from '../types.js';
import { AZURE } from './azure-csv.js';
import { BURSTGPT } from './burstgpt-csv.js';
import { csvDecoder, type CsvLayout, type CsvTrace, layoutOf } from './csv.js';
import { type Decoder, isObject } from './fields.js';
import { decodeJsonl } from './jsonl.js';
import { decodeMooncake } from './mooncake.js';
import { decodeShareGpt } from './sharegpt.js';

export const CSV_TRACES: Record<'azure-csv' | 'burstgpt-csv', CsvTrace> = {
  'azure-csv': AZURE,
  'burstgpt-csv': BURSTGPT,
};

export const isCsvFormat = (format: DatasetFormat): format is keyof typeof CSV_TRACES => format in CSV_TRACES;

/** The field a record's arrival time is read from, for messages about time order. */
export const timeField = (format: DatasetFormat): string =>
  isCsvFormat(format) ? CSV_TRACES[format].columns[0] : 'timestamp';

/** `layout` is the CSV formats' (from the file's header). */
export function decoderFor(format: DatasetFormat, layout?: CsvLayout): Decoder {
  if (isCsvFormat(format)) {
    if (layout === undefined) throw new Error(`a ${format} decoder needs the header's layout`);
    return csvDecoder(CSV_TRACES[format], layout);
  }
  return format === 'jsonl' ? decodeJsonl : format === 'mooncake' ? decodeMooncake : decodeShareGpt;
}

/** What a file's name tells: a format, or the kind of file whose first record will tell. */
export type NamedFormat = DatasetFormat | 'csv' | 'json-lines';

export function formatFromName(path: string): NamedFormat | undefined {
  const ext = /\.([^./\\]+)$/.exec(path)?.[1].toLowerCase();
  if (ext === 'csv') return 'csv';
  if (ext === 'json') return 'sharegpt';
  if (ext === 'jsonl' || ext === 'ndjson') return 'json-lines';
  return undefined;
}

export const CANNOT_TELL = `cannot tell the dataset's format from its name; set dataset.format to one of ${DATASET_FORMATS.join(' | ')}`;

/** A JSON-lines file whose first record has Mooncake's fields is a Mooncake trace. */
export function jsonLinesFormat(first: string): 'mooncake' | 'jsonl' {
  let value: unknown;
  try {
    value = JSON.parse(first);
  } catch {
    return 'jsonl'; // its decoder reports the syntax error
  }
  return isObject(value) && ('input_length' in value || 'hash_ids' in value) ? 'mooncake' : 'jsonl';
}

/** The CSV trace whose columns a header names. */
export function csvFormatOf(header: string): { format: keyof typeof CSV_TRACES; layout: CsvLayout } | undefined {
  for (const format of ['azure-csv', 'burstgpt-csv'] as const) {
    const layout = layoutOf(header, CSV_TRACES[format]);
    if (layout !== undefined) return { format, layout };
  }
  return undefined;
}
