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
import { closeLogs, runStep, type StepContext, stepProgress } from './step.js';
import type { FromWorker, ToWorker, WorkerInit, WorkerPart } from './worker-protocol.js';

/** requests.jsonl lines go to the parent in batches: a message per request would cost more than the line. */
const BATCH_BYTES = 64 * 1024;
const FLUSH_MS = 100;
const STATUS_MS = 250;

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);

/** This worker's interval logs, in a folder of its own until the run merges them. */
function openLogs(log: NonNullable<WorkerInit['hdrLog']>): IntervalLogs {
  mkdirSync(log.dir, { recursive: true });
  return new IntervalLogs(log.dir, log.seconds);
}

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
  const status = setInterval(() => post({ type: 'status', ...stepProgress(steps), variant }), STATUS_MS);
  const hdrLogs = init.hdrLog === undefined ? undefined : openLogs(init.hdrLog);
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
    hdrLogs,
    onRuns: (step) => steps.push(step),
    onBlock: (_run, label) => {
      variant = label;
    },
    blockOrigin: () => blockOrigin,
    beforeBlock: (label) =>
      new Promise<void>((resolve) => {
        go = resolve;
        post({ type: 'block', label });
      }),
  };
  const finish = async (): Promise<void> => {
    clearInterval(flusher);
    clearInterval(status);
    flush();
    const hdrLogFailure = await closeLogs(hdrLogs);
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
      runStep(ctx, m.k, stepList[m.k], m.endpoint).then(
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
