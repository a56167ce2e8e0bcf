import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

/**
 * The layering of docs/architecture.md, read from the code's own imports (type-only ones included: a
 * type import is still a dependency of the folder's meaning). Each folder lists the folders it may import.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  core: [],
  shared: [],
  workload: ['core', 'shared'],
  result: ['core', 'shared', 'workload'],
  metrics: ['core', 'shared', 'result'],
  stats: ['core', 'shared', 'result', 'metrics'],
  protocols: ['core', 'shared'],
  transport: ['core', 'shared'],
  server: ['core', 'shared'],
  net: ['core', 'shared'],
  scenario: ['core', 'shared', 'protocols', 'server', 'result', 'workload'],
  load: ['core', 'shared', 'protocols', 'transport', 'metrics', 'workload', 'scenario'],
  report: ['core', 'shared', 'result', 'metrics', 'stats', 'workload'],
  output: ['core', 'shared', 'result', 'metrics', 'stats'],
  scrape: ['core', 'shared', 'result'],
  record: ['core', 'shared', 'protocols', 'transport', 'metrics'],
  run: [
    'core',
    'shared',
    'workload',
    'result',
    'metrics',
    'stats',
    'protocols',
    'transport',
    'server',
    'net',
    'scenario',
    'load',
    'report',
    'output',
    'scrape',
    'record',
  ],
  api: [
    'core',
    'shared',
    'workload',
    'result',
    'metrics',
    'stats',
    'protocols',
    'transport',
    'server',
    'net',
    'scenario',
    'load',
    'report',
    'run',
  ],
  cli: [
    'core',
    'shared',
    'workload',
    'result',
    'metrics',
    'stats',
    'protocols',
    'transport',
    'server',
    'net',
    'scenario',
    'load',
    'report',
    'output',
    'run',
  ],
};
/** Packages only the command line may use. */
const CLI_ONLY_PACKAGES = ['commander', 'cli-progress'];

const SRC = path.resolve(import.meta.dirname, '../../src');

interface Import {
  file: string;
  folder: string;
  spec: string;
  /** The src folder a relative import lands in, or undefined for a package. */
  target?: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** `import … from`, `export … from`, side-effect `import '…'` and `import('…')`, over any line breaks. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

function importsOf(file: string): Import[] {
  const folder = path.relative(SRC, file).split(path.sep)[0];
  const out: Import[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const spec = m[1];
    const target = spec.startsWith('.')
      ? path.relative(SRC, path.resolve(path.dirname(file), spec)).split(path.sep)[0]
      : undefined;
    out.push({ file: path.relative(SRC, file), folder, spec, ...(target !== undefined ? { target } : {}) });
  }
  return out;
}

const imports = sourceFiles(SRC).flatMap(importsOf);
const crossFolder = imports.filter((i) => i.target !== undefined && i.target !== i.folder);

function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const found: string[][] = [];
  const visit = (node: string, trail: string[]): void => {
    for (const next of edges.get(node) ?? []) {
      const at = trail.indexOf(next);
      if (at >= 0) found.push([...trail.slice(at), next]);
      else visit(next, [...trail, next]);
    }
  };
  for (const start of edges.keys()) visit(start, [start]);
  return found;
}

describe('layering', () => {
  it('reads imports from every source folder', () => {
    const folders = new Set(imports.map((i) => i.folder));
    expect([...folders].sort()).toEqual(Object.keys(MAY_IMPORT).sort());
    // A parser that missed multi-line or type-only imports would see far fewer cross-folder edges.
    expect(crossFolder.length).toBeGreaterThan(200);
    expect(crossFolder.some((i) => i.file === 'protocols/sse.ts' && i.target === 'core')).toBe(true);
  });

  it('every folder imports only the folders below it', () => {
    const violations = crossFolder
      .filter((i) => !(MAY_IMPORT[i.folder] ?? []).includes(i.target!))
      .map((i) => `${i.file} imports ${i.spec} (${i.folder} → ${i.target})`);
    expect(violations).toEqual([]);
  });

  it('no import cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of crossFolder) edges.set(i.folder, (edges.get(i.folder) ?? new Set()).add(i.target!));
    expect(cycles(edges)).toEqual([]);
  });

  it('the declared layering itself has no cycle', () => {
    const declared = new Map(Object.entries(MAY_IMPORT).map(([k, v]) => [k, new Set(v)]));
    expect(cycles(declared)).toEqual([]);
  });

  it('only the command line uses commander and cli-progress', () => {
    const users = imports.filter(
      (i) => i.target === undefined && CLI_ONLY_PACKAGES.includes(i.spec) && i.folder !== 'cli',
    );
    expect(users.map((i) => `${i.file} imports ${i.spec}`)).toEqual([]);
  });

  it('no module imports the command line or the programmatic API: both are entry points', () => {
    const users = crossFolder.filter((i) => i.target === 'cli' || i.target === 'api');
    expect(users.map((i) => `${i.file} imports ${i.spec}`)).toEqual([]);
  });
});
