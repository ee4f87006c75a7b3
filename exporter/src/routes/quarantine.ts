import { Router } from 'express';
import type { ReviewAction } from '@ops-cockpit/core';
import { HttpProblem } from '../http/problem.js';
import type { NamedTokens, OperatorTokens } from '../auth/operators.js';
import { operatorActor } from '../auth/actor.js';
import { requireOperator } from '../auth/access.js';
import { idParam, intQuery } from '../query-params.js';
import type { QuarantineDeps } from '../quarantine/deps.js';

/**
 * The review queue of activities held as impossible for their kind. Operators only, reads included: the queue
 * names users and what they uploaded. A decision is audited (activity_reviews) under the operator's name, or the
 * Grafana user's when Grafana's proxy identity forwards one.
 */
export function quarantineRoutes(
  deps: QuarantineDeps & { operators: OperatorTokens; viewers: NamedTokens; grafanaOperator: string },
): Router {
  const router = Router();

  router.get('/api/ops/quarantine', async (req, res) => {
    requireOperator(req, deps.operators, deps.viewers);
    const limit = intQuery(req, 'limit', 100, 1, 500);
    res.json(await deps.list(limit));
  });

  const decide = (action: ReviewAction) =>
    router.post(`/api/ops/quarantine/:id/${action}`, async (req, res) => {
      // Authentication first: an unauthenticated caller learns nothing, not even whether the id exists.
      const by = operatorActor(req, deps.operators, deps.grafanaOperator);
      const id = idParam(req.params.id);
      const result = await deps.review(id, action, by);
      if (result.outcome === 'not_found') throw new HttpProblem('not-found', `no activity ${id}`);
      if (result.outcome === 'not_quarantined') {
        throw new HttpProblem('conflict', `activity ${id} is not awaiting review (${result.review})`, {
          review: result.review,
        });
      }
      res.json({
        id: result.id,
        review: result.review,
        deltaM: result.deltaM,
        reviewedBy: result.reviewedBy,
      });
    });
  decide('approve');
  decide('reject');

  return router;
}
