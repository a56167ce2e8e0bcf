import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, expect } from 'vitest';

import { ScenarioError } from '../../../src/shared/input-error.js';
import {
  type DatasetIndex,
  DatasetReader,
  indexDataset,
  type ReadOptions,
} from '../../../src/workload/dataset/index.js';
import type { DatasetFormat, DatasetRecord } from '../../../src/workload/types.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Where `name` is in the tests' temp folder. */
export const tempPath = (name: string): string => path.join(dir, name);

/** Writes `content` as `name` in the tests' temp folder; returns its path. */
export function datasetFile(name: string, content: string | Buffer): string {
  const file = tempPath(name);
  writeFileSync(file, content);
  return file;
}

export const jsonLines = (rows: readonly unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** Indexes `content` written as `name`, then reads every record back in order. */
export async function load(
  name: string,
  content: string | Buffer,
  format?: DatasetFormat,
  options?: ReadOptions,
): Promise<{ index: DatasetIndex; records: DatasetRecord[] }> {
  const index = await indexDataset(datasetFile(name, content), format, options);
  const reader = new DatasetReader(index);
  try {
    return { index, records: await reader.read(Array.from({ length: index.records }, (_, i) => i)) };
  } finally {
    await reader.close();
  }
}

/** The ScenarioError indexing `content` (as `name`) must fail with, its message without the temp folder. */
export async function failure(
  name: string,
  content: string | Buffer,
  format?: DatasetFormat,
  options?: ReadOptions,
): Promise<{ error: ScenarioError; text: string }> {
  const file = datasetFile(name, content);
  const error = await indexDataset(file, format, options).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ScenarioError);
  const scenarioError = error as ScenarioError;
  expect(scenarioError.file).toBe(file);
  return { error: scenarioError, text: scenarioError.message.replaceAll(dir + path.sep, '') };
}
