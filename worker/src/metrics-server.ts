import http from 'node:http';
import type { DependencyStatus } from '@ops-cockpit/core';
import type { Registry } from 'prom-client';

/**
 * The worker's small HTTP surface: /metrics for Prometheus, /healthz for liveness, /readyz for dependencies.
 * Plain node:http: the worker serves nothing else, so it carries no web framework.
 */
export function createMetricsServer(deps: {
  registry: Registry;
  checkDependencies: () => Promise<DependencyStatus[]>;
}): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'application/problem+json', JSON.stringify({ title: 'Method not allowed', status: 405 }));
      return;
    }
    if (path === '/healthz') {
      send(200, 'application/json', JSON.stringify({ status: 'ok' }));
    } else if (path === '/readyz') {
      void deps.checkDependencies().then((checks) => {
        const ok = checks.every((c) => c.ok);
        send(
          ok ? 200 : 503,
          'application/json',
          JSON.stringify({ status: ok ? 'ready' : 'unready', checks }),
        );
      });
    } else if (path === '/metrics') {
      deps.registry.metrics().then(
        (body) => send(200, deps.registry.contentType, body),
        (err: Error) => send(500, 'text/plain', `metrics collection failed: ${err.message}\n`),
      );
    } else {
      send(
        404,
        'application/problem+json',
        JSON.stringify({ title: 'Not found', status: 404, detail: path }),
      );
    }
  });
}
