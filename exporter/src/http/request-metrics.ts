import type { ExporterMetrics } from '../metrics.js';

/**
 * The request metrics of both HTTP paths, recorded alike: `ops_http_requests_total` and
 * `ops_http_request_duration_seconds` by bounded method and route template. The lean path calls it once per
 * webhook request, express from its finish listener.
 */

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Bounded method label: anything outside the standard set is counted as OTHER. */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && METHODS.has(method) ? method : 'OTHER';
}

/** The route label of a request no route served: never the raw URL, which could carry ids or garbage. */
export const UNMATCHED_ROUTE = 'unmatched';

export function recordHttpRequest(
  metrics: Pick<ExporterMetrics, 'httpRequests' | 'httpDuration'>,
  method: string,
  route: string,
  status: number,
  seconds: number,
): void {
  metrics.httpRequests.inc({ method, route, code: String(status) });
  metrics.httpDuration.observe({ method, route }, seconds);
}
