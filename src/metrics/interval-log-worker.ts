// The thread behind interval-log.ts: it turns the sparse per-interval diffs the main thread posts into
// HdrHistogram interval log lines (the format of Java's HistogramLogWriter) and appends them to the files.
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parentPort } from 'node:worker_threads';

import { COUNTS_LENGTH, histogramFromCounts } from './histogram.js';
import type { LogMessage, LogReply, MetricDiff } from './interval-log.js';
import { intervalLine, logHeader } from './interval-log-format.js';

const port = parentPort;
if (port === null) throw new Error('interval-log-worker runs as a worker thread (see interval-log.ts)');

const dense = new Uint32Array(COUNTS_LENGTH);

/**
 * One tagged interval line. The counts go through histogramFromCounts, the very function behind
 * result.json's histograms, so the intervals of a metric add up to its whole-run histogram exactly.
 */
function line(startS: number, lengthS: number, d: MetricDiff): string {
  dense.fill(0);
  for (let j = 0; j < d.index.length; j++) dense[d.index[j]] = d.count[j];
  return intervalLine(d.tag, startS, lengthS, histogramFromCounts(dense));
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
      out.write(logHeader(msg.title, msg.epochMs));
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
