import { Router } from 'express';
import { intQuery } from '../query-params.js';
import type { OpsData } from '../ops-data.js';

/** Read endpoints of the live signal, heatmap and challenge features. */
export function opsReadRoutes(data: OpsData): Router {
  const router = Router();

  router.get('/api/ops/challenge', async (_req, res) => {
    res.json(await data.challenge());
  });

  router.get('/api/ops/heatmap', async (_req, res) => {
    res.json({ days: 7, matrix: await data.heatmap() });
  });

  router.get('/api/ops/throughput', async (req, res) => {
    const minutes = intQuery(req, 'minutes', 60, 1, 120);
    res.json({ minutes, buckets: await data.throughput(minutes) });
  });

  return router;
}
