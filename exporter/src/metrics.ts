import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DependencyStatus } from '@ops-cockpit/core';

/** The exporter's own ops_ metrics, declared in one place on the process registry. */
export interface ExporterMetrics {
  httpRequests: Counter<'method' | 'route' | 'code'>;
  httpDuration: Histogram<'method' | 'route'>;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Bounded method label: anything outside the standard set is counted as OTHER. */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'OTHER';
}

export function createExporterMetrics(
  registry: Registry,
  opts: { checkDependencies: () => Promise<DependencyStatus[]> },
): ExporterMetrics {
  const registers = [registry];
  new Gauge({
    name: 'ops_dependency_up',
    help: 'Whether a dependency answered a ping at scrape time (1) or not (0).',
    labelNames: ['dependency'],
    registers,
    async collect() {
      for (const dep of await opts.checkDependencies()) this.set({ dependency: dep.name }, dep.ok ? 1 : 0);
    },
  });
  return {
    httpRequests: new Counter({
      name: 'ops_http_requests_total',
      help: 'HTTP requests answered by the exporter, by method, route template and status code.',
      labelNames: ['method', 'route', 'code'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'ops_http_request_duration_seconds',
      help: 'Time from request start to response end, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}
