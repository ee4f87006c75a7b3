import type { Request } from 'express';
import { HttpProblem } from '../http/problem.js';
import { requireOperator } from './access.js';
import type { OperatorTokens } from './operators.js';

/** Grafana's data proxy sends the signed-in user here (GF_DATAPROXY_SEND_USER_HEADER). */
export const GRAFANA_USER_HEADER = 'X-Grafana-User';

/**
 * A Grafana login as Grafana's proxy sends it: letters, digits and `.`, `_`, `-`, `@`, `+` (logins are often
 * e-mail addresses), at most 100 of them. Nothing that could be markup or a control character is recorded.
 */
const GRAFANA_LOGIN = /^[\p{L}\p{N}._@+-]{1,100}$/u;

/**
 * Who acts (acknowledges, reviews): the operator whose token the request carries, or the Grafana user when Grafana's proxy
 * forwarded it. The header alone is never trusted: anyone can send it, and of the operators only the one marked
 * as Grafana's proxy identity (OPS_GRAFANA_OPERATOR) may name someone else.
 */
export function operatorActor(req: Request, operators: OperatorTokens, grafanaOperator: string): string {
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
