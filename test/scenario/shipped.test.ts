import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { openDataset } from '../../src/run/run-inputs.js';
import { parseScenario } from '../../src/scenario/load.js';

const DIR = path.join(import.meta.dirname, '..', '..', 'scenarios');
// Presets and workloads live one folder down; they are scenarios like the others. data/ holds the example datasets.
const files = readdirSync(DIR, { recursive: true, encoding: 'utf8' }).filter(
  (f) => /\.(ya?ml|json)$/.test(f) && !f.startsWith(`data${path.sep}`),
);

describe('shipped scenarios', () => {
  it('there are some', () => {
    expect(files).toContain('quickstart.yaml');
  });

  it.each(files)('%s validates and says in its header what it measures and which env vars it needs', (file) => {
    const text = readFileSync(path.join(DIR, file), 'utf8');
    expect(text.startsWith('#'), 'a header comment').toBe(true);
    expect(text).toMatch(/^# Measures:/m);
    expect(text).toMatch(/^# Env vars:/m);
    const env = Object.fromEntries([...text.matchAll(/\$\{env:(\w+)/g)].map((m) => [m[1], 'test-value']));
    expect(() => parseScenario(text, file, env)).not.toThrow();
  });

  it.each(files)('%s: its dataset, if it names one, is there and every record of it is valid', async (file) => {
    const full = path.join(DIR, file);
    const text = readFileSync(full, 'utf8');
    const env = Object.fromEntries([...text.matchAll(/\$\{env:(\w+)/g)].map((m) => [m[1], 'test-value']));
    const { scenario } = parseScenario(text, full, env);
    const index = await openDataset(full, scenario);
    if (scenario.dataset !== undefined) expect(index?.records).toBeGreaterThan(0);
  });
});
