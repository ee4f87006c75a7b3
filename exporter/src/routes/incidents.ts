import { Router, type Request } from 'express';
import { HttpProblem } from '../http/problem.js';
import type { OperatorTokens } from '../auth/operators.js';
import { INCIDENT_STATES, type IncidentState, type IncidentStore } from '@ops-cockpit/core';
import { idParam, intQuery } from '../query-params.js';
import { operatorActor } from '../auth/actor.js';

function stateQuery(req: Request): IncidentState {
  const raw = req.query.state;
  if (raw === undefined) return 'open';
  if (typeof raw === 'string' && (INCIDENT_STATES as readonly string[]).includes(raw)) {
    return raw as IncidentState;
  }
  throw new HttpProblem('bad-request', `state must be one of ${INCIDENT_STATES.join(', ')}`, {
    errors: [
      {
        field: 'state',
        message: `expected one of ${INCIDENT_STATES.join(', ')}, got ${JSON.stringify(raw)}`,
      },
    ],
  });
}

export function incidentRoutes(deps: {
  store: IncidentStore;
  operators: OperatorTokens;
  grafanaOperator: string;
}): Router {
  const router = Router();

  router.get('/api/ops/incidents', async (req, res) => {
    const state = stateQuery(req);
    const limit = intQuery(req, 'limit', 100, 1, 1000);
    res.json({ incidents: await deps.store.list(state, limit) });
  });

  router.post('/api/ops/incidents/:id/acknowledge', async (req, res) => {
    // Authentication first: an unauthenticated caller learns nothing, not even whether the id exists.
    const by = operatorActor(req, deps.operators, deps.grafanaOperator);
    const id = idParam(req.params.id);
    const incident = await deps.store.acknowledge(id, by);
    if (incident === null) throw new HttpProblem('not-found', `no incident ${id}`);
    res.json(incident);
  });

  return router;
}
