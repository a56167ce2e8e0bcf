import { DEFINITION_INFO, definitionLabel, isDefinition } from '../core/definitions.js';
import type { VariantResult } from '../result/result.js';
import { fmtRate, msDecimals } from './format.js';
import { type Group, unresolved, variantTables } from './report-tables.js';

/** The statistics all three tools print (vLLM's default: mean, median, p99), so a number finds its twin. */
const HEAD = ['', 'mean', 'p50', 'p99'];

/**
 * A variant's metrics as other tools define them (`run --definitions`): a row per tool and metric,
 * labelled `vllm TPOT ms`; undefined when the run computed none. `detail` (the reports) adds where the
 * tool writes the number and its formula.
 */
export function definitionRows(v: VariantResult, detail = false): string[][] | undefined {
  const defs = v.definitions;
  if (defs === undefined) return undefined;
  const rows = [detail ? [...HEAD, 'tool field', 'formula'] : HEAD];
  for (const d of Object.keys(defs).filter(isDefinition)) {
    for (const m of DEFINITION_INFO[d].metrics) {
      const s = defs[d]?.[m.key];
      const more = detail ? [m.field, m.formula] : [];
      if (s === undefined) {
        rows.push([definitionLabel(d, m), '-', '-', '-', ...more]);
        continue;
      }
      // One precision per row, from its median, as the variant's own table does.
      const f = m.unit === 'ms' ? (x: number) => x.toFixed(msDecimals(s.p50)) : fmtRate;
      // A weighted summary counts tokens, not requests: its count cannot say whether p99 is resolved.
      const mark = m.samples === 'weighted' ? '' : unresolved(s, 'p99');
      rows.push([definitionLabel(d, m), f(s.mean), f(s.p50), f(s.p99) + mark, ...more]);
    }
  }
  return rows;
}

/** The reports' table per variant (per step with a sweep) that has other tools' metrics, with its title. */
export function definitionTables(all: readonly Group[]): { title: string; rows: string[][] }[] {
  return variantTables(all, (v) => definitionRows(v, true)).map(({ title, rows }) => ({ title, rows }));
}

/** Under the reports' tables: each tool computed, and the source its formulas were read from. */
export function definitionSources(all: readonly Group[]): string[] {
  const used = new Set(all.flatMap((g) => g.variants.flatMap((v) => Object.keys(v.definitions ?? {}))));
  return [...used].filter(isDefinition).map((d) => `${DEFINITION_INFO[d].tool}: ${DEFINITION_INFO[d].source}`);
}
