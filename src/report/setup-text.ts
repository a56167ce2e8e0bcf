import type { Result } from '../result/result.js';

/** `concurrency 2, requests 4`: a block's set fields by their scenario keys, so the summary and the file agree. */
function fields(block: Readonly<Record<string, unknown>>, skip: readonly string[] = []): string {
  return Object.entries(block)
    .filter(([k, v]) => v !== undefined && !skip.includes(k))
    .map(([k, v]) => `${k} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}

/**
 * What ran, said before any number (vLLM's summary opens the same way): the load as it ran, defaults
 * included, per variant; the sweep; the embedded server's set-up as the scenario wrote it.
 */
export function describeSetup(result: Result): string[] {
  const lines: string[] = [];
  const load = result.load;
  if (load?.kind === 'recorded') {
    lines.push(
      `recorded by wirebench record through ${String(load.proxy)}: ${String(load.timed)} timed exchanges, ` +
        `${String(load.untimed)} passed through untimed`,
    );
  } else if (load !== undefined) {
    const rest = fields(load, ['kind']);
    lines.push(`load: ${load.kind}${rest === '' ? '' : `, ${rest}`} (per variant)`);
  }
  if (result.sweep !== undefined) lines.push(`sweep: ${result.sweep.param} = ${result.sweep.values.join(', ')}`);
  const server = (result.scenario as { server?: unknown } | null)?.server;
  if (result.target.startsWith('embedded') && typeof server === 'object' && server !== null) {
    const set = fields(server as Record<string, unknown>);
    if (set !== '') lines.push(`server: ${set}`);
  }
  return lines;
}
