import { Router } from 'express';
import type { DependencyStatus } from '@ops-cockpit/core';
import { problemBody } from '../problem.js';

/** Liveness (the process answers) and readiness (Postgres and Redis answer too). */
export function healthRoutes(deps: { checkDependencies: () => Promise<DependencyStatus[]> }): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const checks = await deps.checkDependencies();
    const failed = checks.filter((c) => !c.ok);
    res.set('Cache-Control', 'no-store');
    if (failed.length === 0) {
      res.json({ status: 'ready', checks });
      return;
    }
    const detail = failed.map((c) => `${c.name}: ${c.error ?? 'unavailable'}`).join('; ');
    res
      .status(503)
      .type('application/problem+json')
      .send(JSON.stringify(problemBody('dependency-unavailable', detail, '/readyz', { checks })));
  });

  return router;
}
