import { Router } from 'express';
import { listQuietUsers } from '../read-models/quiet-users.js';
import { HttpProblem } from '../http/problem.js';
import { decodeCursor, encodeCursor } from '../quiet/cursor.js';
import type { NudgesDeps } from '../nudges/deps.js';
import { intQuery } from '../query-params.js';

/** `GET /api/ops/quiet-users`: users quiet for more than `days` days, most inactive first, keyset-paginated. */
export function quietUsersRoutes(deps: Pick<NudgesDeps, 'pool' | 'cooldownHours'>): Router {
  const router = Router();
  router.get('/api/ops/quiet-users', async (req, res) => {
    const days = intQuery(req, 'days', 10, 1, 3650);
    const limit = intQuery(req, 'limit', 50, 1, 500);
    const raw = req.query.cursor;
    let after;
    if (raw !== undefined && raw !== '') {
      after = typeof raw === 'string' ? decodeCursor(raw) : undefined;
      if (!after) {
        throw new HttpProblem('bad-request', 'cursor is not a nextCursor this API returned', {
          errors: [{ field: 'cursor', message: 'expected the nextCursor of a previous page' }],
        });
      }
    }
    const page = await listQuietUsers(deps.pool, { days, limit, after, cooldownHours: deps.cooldownHours });
    res.json({ users: page.users, nextCursor: page.next ? encodeCursor(page.next) : null });
  });
  return router;
}
