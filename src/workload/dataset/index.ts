// STUB (replaced by the dataset branch)
import type { DatasetFormat, DatasetRecord } from '../types.js';
export interface DatasetIndex {
  path: string;
  format: DatasetFormat;
  detected: boolean;
  records: number;
  skipped: { count: number; reason: string }[];
  timestamps?: Float64Array;
}
export async function indexDataset(path: string, format?: DatasetFormat): Promise<DatasetIndex> {
  return { path, format: format ?? 'jsonl', detected: format === undefined, records: 0, skipped: [] };
}
export class DatasetReader {
  constructor(readonly index: DatasetIndex) {}
  async read(_indexes: readonly number[]): Promise<DatasetRecord[]> {
    return [];
  }
  async close(): Promise<void> {}
}
