import { describe, expect, it } from 'vitest';

import { Timeline } from '../../src/metrics/timeline.js';
import { VariantRecorder } from '../../src/metrics/variant-recorder.js';
import type { RequestLine } from '../../src/result/requests/line.js';

describe('VariantRecorder', () => {
  it('counts as opened only the connections that connected, not the attempts that failed', () => {
    const lines: RequestLine[] = [];
    const rec = new VariantRecorder('v', 0, undefined, (l) => lines.push(l));
    const refused = new Timeline(1e6, 1e6);
    refused.connStart = 1.1e6;
    refused.error(2e6, 'connect', 'ECONNREFUSED', 'refused');
    const connected = new Timeline(3e6, 3e6);
    connected.connStart = 3.1e6;
    connected.connectEnd = 3.2e6;
    connected.error(4e6, 'reset', 'ECONNRESET', 'dropped');
    rec.commit(refused, 0, false, refused.intended);
    rec.commit(connected, 1, false, connected.intended);
    expect(rec.requests).toBe(2);
    expect(rec.connectionsOpened).toBe(1);
    expect(lines.map((l) => l.error?.class)).toEqual(['connect', 'reset']);
  });
});
