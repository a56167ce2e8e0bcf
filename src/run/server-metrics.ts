import type { Scenario } from '../scenario/schema.js';
import { ServerMetricsTracker } from '../scrape/tracker.js';
import type { StepEndpoint } from './endpoints.js';

/**
 * The step's `server_metrics` scraper, if the scenario asks for one: the page it names, or the embedded
 * server's own /metrics (trusting its certificate).
 */
export function serverMetricsTracker(s: Scenario, endpoint: StepEndpoint): ServerMetricsTracker | undefined {
  const sm = s.server_metrics;
  if (sm === undefined) return undefined;
  const own = sm.url === undefined;
  return new ServerMetricsTracker({
    url: sm.url ?? new URL('/metrics', endpoint.url).href,
    preset: sm.preset,
    labels: sm.labels,
    timeoutMs: sm.timeout_ms,
    ...(own && endpoint.ca !== undefined ? { ca: endpoint.ca } : {}),
  });
}
