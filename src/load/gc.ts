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

/**
 * Below this much heap growth since the last collection, a major collection is not near and forcing one
 * only costs time: a full GC of a ~40 MB heap takes 50–100 ms here, which, before every short interleaved
 * block, was 40% of a run's wall time (bench/memory).
 */
const GROWTH_BYTES = 16 * 1024 * 1024;
let usedAfterLast = -Infinity;

/** Collects when the heap has grown enough since the last collection for a major GC to be coming. */
export function collectGarbage(): void {
  if (v8.getHeapStatistics().used_heap_size - usedAfterLast < GROWTH_BYTES) return;
  gc();
  usedAfterLast = v8.getHeapStatistics().used_heap_size;
}
