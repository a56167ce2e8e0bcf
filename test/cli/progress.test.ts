import { describe, expect, it } from 'vitest';

import { describeStatus } from '../../src/cli/progress.js';
import type { RunStatus } from '../../src/run/run-config.js';

describe('describeStatus', () => {
  const status: RunStatus = {
    variant: 'ws-persistent',
    done: 40,
    total: 160,
    errors: 1,
    ttftP50: 154.23,
    elapsedS: 10,
    variants: [],
    perVariant: 80,
  };

  it('says where a counted run is, its pace and when it will be done at that pace', () => {
    expect(describeStatus(status)).toBe(
      'ws-persistent: 40/160 requests, 4.0 req/s, 1 errors, TTFT p50 154.2 ms, 10 s, ETA 30 s',
    );
  });

  it('gives no ETA before the first request or for a load counted in seconds', () => {
    expect(describeStatus({ ...status, done: 0, ttftP50: undefined })).toBe(
      'ws-persistent: 0/160 requests, 0.0 req/s, 1 errors, TTFT p50 -, 10 s',
    );
    expect(describeStatus({ ...status, total: undefined, perVariant: undefined })).toBe(
      'ws-persistent: 40 requests, 4.0 req/s, 1 errors, TTFT p50 154.2 ms, 10 s',
    );
  });

  it('counts each variant of the step when there are several, against its own total when counted', () => {
    const variants = [
      { name: 'http-fresh', done: 24 },
      { name: 'ws-persistent', done: 16 },
    ];
    expect(describeStatus({ ...status, variants })).toBe(
      'ws-persistent: 40/160 requests (http-fresh 24/80, ws-persistent 16/80), 4.0 req/s, 1 errors, TTFT p50 154.2 ms, 10 s, ETA 30 s',
    );
    expect(describeStatus({ ...status, variants, total: undefined, perVariant: undefined })).toMatch(
      /^ws-persistent: 40 requests \(http-fresh 24, ws-persistent 16\), /,
    );
  });
});
