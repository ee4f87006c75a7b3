import { Router, type Request } from 'express';
import { HttpProblem } from '../problem.js';
import type { OpsData } from '../ops-data.js';

/** Parses an optional integer query parameter, or throws a 400 naming it. */
export function intQuery(req: Request, name: string, def: number, min: number, max: number): number {
  const raw = req.query[name];
  if (raw === undefined) return def;
  const text = typeof raw === 'string' ? raw : '';
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new HttpProblem('bad-request', `${name} must be an integer ${min}-${max}`, {
      errors: [{ field: name, message: `expected an integer ${min}-${max}, got ${JSON.stringify(raw)}` }],
    });
  }
  return n;
}

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
