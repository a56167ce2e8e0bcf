import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';

import { now } from '../core/clock.js';
import { ClientMonitor, clientWarnings } from '../metrics/client-monitor.js';
import { VariantRecorder } from '../metrics/variant-recorder.js';
import type { ProtocolKind } from '../protocols/registry.js';
import { startRecordProxy } from '../record/proxy.js';
import type { RecordedTransport } from '../record/routes.js';
import { collectEnv, type Result } from '../result/result.js';
import { displayTarget, scrubber, SECRET_HEADERS } from '../scenario/redact.js';
import { writeFileAtomic } from '../shared/atomic-file.js';
import { countSoon } from '../shared/token-thread.js';
import { SessionLog } from './record-workload.js';
import { variantResult, variantWarnings, wallClock } from './variant-result.js';
import { ResultWriter } from './writer.js';

/** The recorded sessions as a dataset `wirebench run` replays (docs/record.md). */
export const WORKLOAD_FILE = 'workload.jsonl';

export interface RecordConfig {
  host: string;
  port: number;
  target: URL;
  tls?: { ca?: string; insecure?: boolean };
  outDir: string;
  /** Stop after this many timed exchanges. */
  requests?: number;
  /** Stop after this many seconds. */
  durationS?: number;
  /** Keep the sessions' text in workload.jsonl (default: lengths and structure only). */
  keepContent?: boolean;
  /** Polled: the user asked to stop (Ctrl-C). */
  stopping: () => boolean;
  log: (line: string) => void;
  /** The proxy is listening at `url`: clients may be pointed at it. */
  listening: (url: string) => void;
}

const POLL_MS = 100;

/** One protocol over one transport, as a run's variant: its recorder and what the result calls it. */
interface Recorded {
  meta: { name: string; protocol: string; connection: string };
  rec: VariantRecorder;
  index: number;
}

const CONNECTION: Readonly<Record<RecordedTransport, string>> = { http: 'http/1.1', ws: 'websocket' };

/**
 * `wirebench record`: the pass-through proxy, its timed exchanges recorded per protocol and transport
 * exactly as a run records its variants, until the user stops it or a count or duration is reached; then
 * the result folder, as a run writes it. Credentials seen in requests are scrubbed from every file.
 */
export async function record(cfg: RecordConfig): Promise<{ result: Result; dir: string }> {
  const startedAt = new Date();
  const runStart = now();
  const secrets = new Set<string>();
  let scrub = scrubber([]);
  const writer = new ResultWriter(cfg.outDir, (text) => scrub(text));
  const variants = new Map<string, Recorded>();
  const monitor = new ClientMonitor();
  const sessions = new SessionLog(cfg.keepContent === true);
  let timed = 0;
  let untimed = 0;
  let keepText = true;
  const variant = (kind: ProtocolKind, transport: RecordedTransport): Recorded => {
    const name = `${kind}-${transport}`;
    let v = variants.get(name);
    if (v === undefined) {
      const rec = new VariantRecorder(name, runStart, countSoon, (line) => writer.appendRequest(line));
      v = { meta: { name, protocol: kind, connection: CONNECTION[transport] }, rec, index: 0 };
      variants.set(name, v);
    }
    return v;
  };
  const proxy = await startRecordProxy({
    host: cfg.host,
    port: cfg.port,
    target: cfg.target,
    tls: cfg.tls,
    recorder: {
      get keepText() {
        // The answers' text is what --keep-content keeps.
        return keepText || cfg.keepContent === true;
      },
      forwarded: (kind, transport, arrival, written) =>
        variant(kind, transport).rec.metrics.record('proxy_delay_ms', (written - arrival) / 1e6),
      done: (kind, transport, tl, request) => {
        const v = variant(kind, transport);
        sessions.add(tl, request);
        v.rec.commit(tl, v.index++, false, tl.start);
        if (tl.usageOutputTokens !== undefined) keepText = false;
        timed++;
      },
      untimed: () => untimed++,
      headers: (h: IncomingHttpHeaders) => {
        let added = false;
        for (const name of SECRET_HEADERS) {
          const value = h[name];
          for (const s of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
            if (secrets.has(s)) continue;
            secrets.add(s);
            added = true;
          }
        }
        if (added) scrub = scrubber(secrets);
      },
    },
  });
  cfg.listening(proxy.url);
  monitor.resume();
  const deadline = cfg.durationS === undefined ? Infinity : Date.now() + cfg.durationS * 1000;
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (cfg.stopping() || timed >= (cfg.requests ?? Infinity) || Date.now() >= deadline) {
        clearInterval(poll);
        resolve();
      }
    }, POLL_MS);
  });
  monitor.pause();
  await proxy.close();
  const all = [...variants.values()];
  await Promise.all(all.map((v) => v.rec.settled()));
  for (const v of all) v.rec.endBlock();
  const wall = wallClock();
  const results = all.map((v) => variantResult(v.meta, v.rec, undefined, wall));
  const client = monitor.stats();
  const result: Result = {
    schema: 'wirebench.result/v1',
    complete: true,
    scenario: { name: 'record', target: displayTarget(cfg.target.href) },
    load: { kind: 'recorded', proxy: proxy.url, timed, untimed },
    target: displayTarget(cfg.target.href),
    env: collectEnv(startedAt, new Date()),
    variants: results,
    comparisons: [],
    client,
    // As a run's: a busy proxy stamps late, and says so.
    warnings: [...clientWarnings(client), ...variantWarnings(results)],
  };
  const histograms = new Map(all.map((v) => [v.meta.name, v.rec.metrics] as const));
  // Beside the results, before them: a folder whose result.json is written has its workload too.
  const lines = sessions.lines();
  if (lines.length > 0) {
    try {
      await writeFileAtomic(path.join(cfg.outDir, WORKLOAD_FILE), scrub(lines.join('\n') + '\n'));
    } catch (err) {
      cfg.log(`warning: ${WORKLOAD_FILE} was not written (${(err as Error).message})`);
    }
  }
  const { result: written, problems } = await writer.finish(result, histograms);
  for (const p of problems) cfg.log(`warning: ${p}`);
  return { result: written, dir: cfg.outDir };
}
