// The thread behind interval-log.ts: it turns the sparse per-interval diffs the main thread posts into
// HdrHistogram interval log lines (the format of Java's HistogramLogWriter) and appends them to the files.
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parentPort } from 'node:worker_threads';
import { COUNTS_LENGTH, encodeHistogram, histogramFromCounts, SCALE } from './histogram.js';
import type { LogMessage, LogReply, MetricDiff } from './interval-log.js';

const port = parentPort;
if (port === null) throw new Error('interval-log-worker runs as a worker thread (see interval-log.ts)');

/** Java's HistogramLogWriter writes the fields with `%.3f`. */
const f3 = (x: number): string => x.toFixed(3);

/** The header of Java's HistogramLogWriter (application, version, start and base time, legend). */
function header(title: string, epochMs: number): string {
  const epochS = f3(epochMs / 1000);
  return [
    `#[Logged with wirebench: ${title}]`,
    '#[Histogram log format version 1.3]',
    `#[StartTime: ${epochS} (seconds since epoch), ${new Date(epochMs).toISOString()}]`,
    `#[BaseTime: ${epochS} (seconds since epoch)]`,
    "#[Values: round(value x 1000) in the unit of the Tag's metric: integer microseconds for the _ms metrics, milli-tok/s " +
      'for decode_tps, milli-turns for session_turns (as in result.json and the .hgrm files)]',
    "#[Interval_Max: the interval's max / 1000, in the metric's own unit. Java tools assume nanoseconds: HistogramLogProcessor " +
      'prints milliseconds given -outputValueUnitRatio 1000]',
    "#[StartTimestamp: seconds since StartTime; a request's samples count in the interval in which it finished]",
    '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
    '',
  ].join('\n');
}

const dense = new Uint32Array(COUNTS_LENGTH);

/**
 * One tagged interval line. The counts go through histogramFromCounts, the very function behind
 * result.json's histograms, so the intervals of a metric add up to its whole-run histogram exactly.
 */
function line(startS: number, lengthS: number, d: MetricDiff): string {
  dense.fill(0);
  for (let j = 0; j < d.index.length; j++) dense[d.index[j]] = d.count[j];
  const h = histogramFromCounts(dense);
  return `Tag=${d.tag},${f3(startS)},${f3(lengthS)},${f3(h.maxValue / SCALE)},${encodeHistogram(h)}\n`;
}

const files = new Map<number, WriteStream>();
const closing: Promise<void>[] = [];
const errors: string[] = [];

port.on('message', (msg: LogMessage) => {
  switch (msg.op) {
    case 'open': {
      const out = createWriteStream(msg.path);
      // Reported through `finished` at close; unlistened, a write error would kill the thread.
      out.on('error', () => {});
      out.write(header(msg.title, msg.epochMs));
      files.set(msg.file, out);
      break;
    }
    case 'interval':
      files.get(msg.file)?.write(msg.diffs.map((d) => line(msg.startS, msg.lengthS, d)).join(''));
      break;
    case 'close': {
      const out = files.get(msg.file);
      files.delete(msg.file);
      if (out === undefined) break;
      out.end();
      // Caught at once: a rejection left for later would end the thread as unhandled.
      closing.push(finished(out).catch((err: unknown) => void errors.push(String(err))));
      break;
    }
    case 'end':
      void Promise.all(closing).then(() => {
        port.postMessage({ errors } satisfies LogReply);
        // Nothing else holds the thread: it exits once the reply is out.
        port.close();
      });
      break;
  }
});
