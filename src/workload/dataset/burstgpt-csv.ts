/**
 * `burstgpt-csv`: the BurstGPT trace, `Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type`,
 * Timestamp in seconds. Rows with 0 response tokens are the trace's failed requests.
 */
import { type CsvTrace, instant } from './csv.js';

const SECONDS = /^(\d+)(?:\.(\d+))?$/;

export const BURSTGPT: CsvTrace = {
  columns: ['Timestamp', 'Request tokens', 'Response tokens'],
  timeExpected: 'seconds, a number >= 0',
  skips: { input: 'rows with 0 Request tokens', output: 'rows with 0 Response tokens (failed requests)' },
  time(value) {
    const m = SECONDS.exec(value);
    return m === null ? undefined : instant(Number(m[1]) * 1000, m[2]);
  },
};
