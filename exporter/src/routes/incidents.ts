import { Router, type Request } from 'express';
import { HttpProblem } from '../http/problem.js';
import type { OperatorTokens } from '../auth/operators.js';
import { INCIDENT_STATES, type IncidentState, type IncidentStore } from '@ops-cockpit/core';
import { intQuery } from '../query-params.js';
import { requireOperator } from '../auth/access.js';

/** Grafana's data proxy sends the signed-in user here (GF_DATAPROXY_SEND_USER_HEADER). */
export const GRAFANA_USER_HEADER = 'X-Grafana-User';

/**
 * A Grafana login as Grafana's proxy sends it: letters, digits and `.`, `_`, `-`, `@`, `+` (logins are often
 * e-mail addresses), at most 100 of them. Nothing that could be markup or a control character is recorded.
 */
const GRAFANA_LOGIN = /^[\p{L}\p{N}._@+-]{1,100}$/u;

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

function incidentId(raw: string | undefined): number {
  const id = Number(raw);
  if (!/^\d{1,16}$/.test(raw ?? '') || id < 1 || !Number.isSafeInteger(id)) {
    throw new HttpProblem('bad-request', 'id must be a positive integer', {
      errors: [{ field: 'id', message: `expected a positive integer, got ${JSON.stringify(raw)}` }],
    });
  }
  return id;
}

/**
 * Who acknowledges: the operator whose token the request carries, or the Grafana user when Grafana's proxy
 * forwarded it. The header alone is never trusted: anyone can send it, and of the operators only the one marked
 * as Grafana's proxy identity (OPS_GRAFANA_OPERATOR) may name someone else.
 */
function actor(req: Request, operators: OperatorTokens, grafanaOperator: string): string {
  const operator = requireOperator(req, operators);
  const grafanaUser = req.get(GRAFANA_USER_HEADER);
  if (grafanaUser === undefined) return operator;
  if (operator !== grafanaOperator) {
    throw new HttpProblem(
      'bad-request',
      `${GRAFANA_USER_HEADER} is accepted from Grafana's proxy token only`,
      {
        errors: [{ field: GRAFANA_USER_HEADER, message: `only the operator ${grafanaOperator} may send it` }],
      },
    );
  }
  if (!GRAFANA_LOGIN.test(grafanaUser)) {
    throw new HttpProblem('bad-request', `${GRAFANA_USER_HEADER} must be a Grafana login`, {
      errors: [{ field: GRAFANA_USER_HEADER, message: 'expected 1-100 letters, digits or . _ @ + -' }],
    });
  }
  return grafanaUser;
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
    const by = actor(req, deps.operators, deps.grafanaOperator);
    const id = incidentId(req.params.id);
    const incident = await deps.store.acknowledge(id, by);
    if (incident === null) throw new HttpProblem('not-found', `no incident ${id}`);
    res.json(incident);
  });

  return router;
}
