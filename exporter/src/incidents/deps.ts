import type { Pool, Secret } from '@ops-cockpit/core';
import { parseOperatorTokens, type OperatorTokens } from '../auth/operators.js';
import { createCalmReader, type CalmReader } from './calm.js';
import { createIncidentStore, type IncidentStore } from '@ops-cockpit/core';

/** What the incident, Alertmanager and status routes need. */
export interface IncidentsDeps {
  store: IncidentStore;
  readCalm: CalmReader;
  /** ALERTMANAGER_TOKEN; unset refuses every notification (401). */
  alertmanagerToken: Secret | undefined;
  operators: OperatorTokens;
  /** OPS_GRAFANA_OPERATOR: the operator whose token is Grafana's proxy, the only one that may send X-Grafana-User. */
  grafanaOperator: string;
}

/** Wires them from settings: OPS_OPERATOR_TOKENS as validated by config.ts ('' for none). */
export function createIncidentsDeps(opts: {
  pool: Pool;
  alertmanagerToken: Secret | undefined;
  operatorTokens: Secret;
  grafanaOperator: string;
}): IncidentsDeps {
  const store = createIncidentStore(opts.pool);
  return {
    store,
    readCalm: createCalmReader({ pool: opts.pool, store }),
    alertmanagerToken: opts.alertmanagerToken,
    operators: parseOperatorTokens(opts.operatorTokens.reveal()),
    grafanaOperator: opts.grafanaOperator,
  };
}
