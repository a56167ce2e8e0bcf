import cliProgress from 'cli-progress';

import type { RunStatus } from '../run/run-config.js';

export interface Progress {
  /** A line for the person watching (progress lines, notices), printed without tearing the bar. */
  log(line: string): void;
  stop(): void;
}

/** The bar redraws this often; each redraw reads one percentile off a histogram (well under a ms). */
const TTY_EVERY_MS = 500;
/** Logs and CI output want a line now and then, not a redraw. */
const LINE_EVERY_MS = 5000;

/** One status line: where the run is, how fast it goes and, for a counted load, when it will be done. */
export function describeStatus(s: RunStatus): string {
  const ttft = s.ttftP50 === undefined ? '-' : `${s.ttftP50.toFixed(1)} ms`;
  const total = s.total === undefined ? '' : `/${s.total}`;
  const perS = s.elapsedS > 0 ? s.done / s.elapsedS : 0;
  // At the pace so far: warm-ups and set-up included in the elapsed time, so it errs long, never short.
  const eta = s.total === undefined || s.done === 0 ? '' : `, ETA ${Math.ceil(Math.max(0, s.total - s.done) / perS)} s`;
  // Per variant only when there is more than one: interleaved blocks make each one's share worth seeing.
  const each = s.perVariant === undefined ? '' : `/${s.perVariant}`;
  const variants = s.variants.length < 2 ? '' : ` (${s.variants.map((v) => `${v.name} ${v.done}${each}`).join(', ')})`;
  return `${s.variant}: ${s.done}${total} requests${variants}, ${perS.toFixed(1)} req/s, ${s.errors} errors, TTFT p50 ${ttft}, ${s.elapsedS.toFixed(0)} s${eta}`;
}

/**
 * Progress on stderr while a run goes on: a bar on a terminal, a status line every 5 s otherwise, nothing
 * with --quiet. It only reads the run's status on its own timer: nothing on the request path waits for it.
 */
export function startProgress(status: () => RunStatus, opts: { tty: boolean; quiet: boolean }): Progress {
  if (opts.quiet) return { log: () => {}, stop: () => {} };
  if (!opts.tty) {
    const timer = setInterval(() => process.stderr.write(`${describeStatus(status())}\n`), LINE_EVERY_MS);
    timer.unref();
    return { log: (line) => process.stderr.write(`${line}\n`), stop: () => clearInterval(timer) };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: '{bar} {status}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      // Two redraws a second are plenty for a person and cost the measuring process next to nothing.
      fps: 2,
    },
    cliProgress.Presets.shades_classic,
  );
  const first = status();
  const bar = multi.create(first.total ?? 1, 0, { status: describeStatus(first) });
  const timer = setInterval(() => {
    const s = status();
    bar.setTotal(s.total ?? Math.max(1, s.done));
    bar.update(s.done, { status: describeStatus(s) });
  }, TTY_EVERY_MS);
  timer.unref();
  return {
    log: (line) => multi.log(`${line}\n`),
    stop: () => {
      clearInterval(timer);
      multi.stop();
    },
  };
}
