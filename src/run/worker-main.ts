/**
 * A worker thread of a run (`workers: N`): runs its shard of the load, step by step as the parent says,
 * on its own connections and recorders, and hands back its figures. See worker-protocol.ts.
 */
import { setMaxListeners } from 'node:events';
import { mkdirSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

import { fromStamp } from '../core/clock.js';
import { ClientMonitor } from '../metrics/client-monitor.js';
import { IntervalLogs } from '../metrics/interval-log.js';
import { applyOverrides } from '../scenario/overrides.js';
import { isIssues, sweepSteps } from '../scenario/sweep.js';
import { openDataset, partSalt } from './run-inputs.js';
import { stepFigures, type StepRuns } from './run-result.js';
import { runStep, type StepContext } from './step.js';
import type { FromWorker, ToWorker, WorkerInit, WorkerPart } from './worker-protocol.js';

/** requests.jsonl lines go to the parent in batches: a message per request would cost more than the line. */
const BATCH_BYTES = 64 * 1024;
const FLUSH_MS = 100;
const STATUS_MS = 250;

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);

async function main(): Promise<void> {
  const scenario = applyOverrides(init.loaded, { shard: init.shard });
  const stepList = sweepSteps(scenario);
  if (isIssues(stepList)) throw new Error('the parent checked the sweep');
  const dataset = await openDataset(init.loaded.file, scenario);
  const salt = partSalt(init.salt, init.worker);
  const monitor = new ClientMonitor('thread');
  let stopping = false;
  const hardStop = new AbortController();
  // Every request in flight listens for the stop (as in the CLI's own thread): hundreds at once are normal.
  setMaxListeners(0, hardStop.signal);
  let batch = '';
  const flush = (): void => {
    if (batch.length > 0) post({ type: 'lines', text: batch });
    batch = '';
  };
  const flusher = setInterval(flush, FLUSH_MS);
  const steps: StepRuns[] = [];
  let variant = '';
  const status = setInterval(() => {
    const runs = steps.flatMap((s) => s.runs);
    const done = runs.reduce((n, r) => n + r.rec.requests, 0);
    post({ type: 'status', done, errors: runs.reduce((n, r) => n + r.rec.requests - r.rec.ok, 0), variant });
  }, STATUS_MS);
  if (init.hdrLog !== undefined) mkdirSync(init.hdrLog.dir, { recursive: true });
  const hdrLogs = init.hdrLog === undefined ? undefined : new IntervalLogs(init.hdrLog.dir, init.hdrLog.seconds);
  let go: (() => void) | undefined;
  let blockOrigin: number | undefined;
  let lastUrl = scenario.target;
  const ctx: StepContext = {
    scenario,
    scenarioFile: init.loaded.file,
    stepCount: stepList.length,
    salt,
    dataset,
    shard: init.shard,
    runStart: fromStamp(init.runStart),
    writeLine: (line) => {
      batch += JSON.stringify({ ...line, worker: init.worker }) + '\n';
      if (batch.length >= BATCH_BYTES) flush();
    },
    stopping: () => stopping,
    hardStop: hardStop.signal,
    monitor,
    log: (line) => post({ type: 'log', line }),
    onRuns: (step, label) => {
      steps.push(step);
      for (const r of step.runs) hdrLogs?.start(label(r), r.rec.metrics);
    },
    onBlock: (_run, label) => {
      variant = label;
    },
    blockOrigin: () => blockOrigin,
    beforeBlock: () =>
      new Promise<void>((resolve) => {
        go = resolve;
        post({ type: 'block' });
      }),
  };
  const finish = async (): Promise<void> => {
    clearInterval(flusher);
    clearInterval(status);
    flush();
    const hdrLogFailure = await hdrLogs?.close().then(
      () => undefined,
      (err: Error) => err.message,
    );
    const part: WorkerPart = {
      worker: init.worker,
      ...stepFigures(scenario, steps),
      client: monitor.stats(),
      targetUrl: lastUrl,
      ...(hdrLogFailure !== undefined ? { hdrLogFailure } : {}),
    };
    post({ type: 'result', part });
    port.close();
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'go') {
      blockOrigin = fromStamp(m.at);
      go?.();
      go = undefined;
    } else if (m.type === 'stop') {
      stopping = true;
      if (m.hard) hardStop.abort();
      // A worker waiting for its next block has nothing in flight: it stops there.
      go?.();
      go = undefined;
    } else if (m.type === 'step') {
      lastUrl = m.endpoint.url;
      runStep(ctx, m.k, stepList[m.k], m.endpoint)
        .finally(() => hdrLogs?.closeFiles())
        .then(
          () => post({ type: 'step-done' }),
          (err: Error) => post({ type: 'failed', message: err.message }),
        );
    } else {
      void finish();
    }
  });
  post({ type: 'ready' });
}

main().catch((err: Error) => {
  post({ type: 'failed', message: err.message });
  port.close();
});
