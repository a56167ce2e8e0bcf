// The text of an HdrHistogram interval log as Java's HistogramLogWriter writes it: shared by the run's
// log thread (interval-log-worker.ts) and `merge`, which adds the shards' logs into one.
import { encodeHistogram, type Histogram, SCALE } from './histogram.js';

/** Java's HistogramLogWriter writes the fields with `%.3f`. */
const f3 = (x: number): string => x.toFixed(3);

/** The header of Java's HistogramLogWriter (application, version, start and base time, legend). */
export function logHeader(title: string, epochMs: number): string {
  const epochS = f3(epochMs / 1000);
  return [
    `#[Logged with wirebench: ${title}]`,
    '#[Histogram log format version 1.3]',
    `#[StartTime: ${epochS} (seconds since epoch), ${new Date(epochMs).toISOString()}]`,
    `#[BaseTime: ${epochS} (seconds since epoch)]`,
    "#[Values: round(value x 1000) in the unit of the Tag's metric: integer microseconds for the _ms metrics, milli-tok/s " +
      'for decode_tps, milli-turns for session_turns, milli-tokens for the _tokens metrics (as in result.json and the .hgrm files)]',
    "#[Interval_Max: the interval's max / 1000, in the metric's own unit. Java tools assume nanoseconds: HistogramLogProcessor " +
      'prints milliseconds given -outputValueUnitRatio 1000]',
    "#[StartTimestamp: seconds since StartTime; a request's samples count in the interval in which it finished]",
    '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
    '',
  ].join('\n');
}

/** One tagged interval line. */
export function intervalLine(tag: string, startS: number, lengthS: number, h: Histogram): string {
  return `Tag=${tag},${f3(startS)},${f3(lengthS)},${f3(h.maxValue / SCALE)},${encodeHistogram(h)}\n`;
}
