import { describe, expect, it } from 'vitest';

import { describeStatus } from '../../src/cli/progress.js';

describe('describeStatus', () => {
  const status = { variant: 'ws-persistent', done: 40, total: 160, errors: 1, ttftP50: 154.23, elapsedS: 10 };

  it('says where a counted run is, its pace and when it will be done at that pace', () => {
    expect(describeStatus(status)).toBe(
      'ws-persistent: 40/160 requests, 4.0 req/s, 1 errors, TTFT p50 154.2 ms, 10 s, ETA 30 s',
    );
  });

  it('gives no ETA before the first request or for a load counted in seconds', () => {
    expect(describeStatus({ ...status, done: 0, ttftP50: undefined })).toBe(
      'ws-persistent: 0/160 requests, 0.0 req/s, 1 errors, TTFT p50 -, 10 s',
    );
    expect(describeStatus({ ...status, total: undefined })).toBe(
      'ws-persistent: 40 requests, 4.0 req/s, 1 errors, TTFT p50 154.2 ms, 10 s',
    );
  });
});
