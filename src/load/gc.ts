import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * A full garbage collection on demand, without asking users for `--expose-gc`. Run between variants (never
 * while measuring): start-up leaves the old generation full of tokenizer tables and module code, and the
 * first major collection it provokes — 10–20 ms on a small machine — would otherwise land in the middle of
 * a measured stream as late arrivals. Benchmark harnesses (benchmark.js, mitata) do the same between runs.
 */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

export function collectGarbage(): void {
  gc();
}
