/** Waits `ms` (tool time, retry back-off); the user's hard stop ends the wait at once. */
export function sleep(ms: number, hardStop: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || hardStop?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      hardStop?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    hardStop?.addEventListener('abort', done, { once: true });
  });
}
