/**
 * `azure-csv`: the Azure LLM inference traces, `TIMESTAMP,ContextTokens,GeneratedTokens`, timestamps like
 * `2023-11-16 18:15:46.6805900` (the 2024 traces add `+00:00`). Times are read as UTC.
 */
import { type CsvTrace, instant } from './csv.js';

const TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

export const AZURE: CsvTrace = {
  columns: ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'],
  timeExpected: 'a date and time like 2023-11-16 18:15:46.6805900',
  skips: { input: 'rows with 0 ContextTokens', output: 'rows with 0 GeneratedTokens' },
  time(value) {
    const m = TIME.exec(value);
    if (m === null) return undefined;
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
    const zone = m[8] === undefined || m[8] === 'Z' ? 0 : zoneMs(m[8]);
    return instant(Date.UTC(year, month - 1, day, hour, minute, second) - zone, m[7]);
  },
};

/** `+01:00` → 3 600 000. */
function zoneMs(zone: string): number {
  const digits = zone.replace(':', '');
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return (zone[0] === '-' ? -1 : 1) * minutes * 60_000;
}
