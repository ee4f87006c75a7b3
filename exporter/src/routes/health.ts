import { Router } from 'express';
import type { DependencyStatus } from '@ops-cockpit/core';
import { HttpProblem, sendProblem } from '../http/problem.js';

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
    sendProblem(res, new HttpProblem('dependency-unavailable', detail, { checks }), '/readyz');
  });

  return router;
}
