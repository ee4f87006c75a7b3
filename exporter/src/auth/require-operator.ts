import type { Request } from 'express';
import type { OperatorTokens } from './operators.js';
import { unauthorized } from './unauthorized.js';

/** The name of the operator whose bearer token the request carries; a 401 problem (with challenge) otherwise. */
export function requireOperator(req: Request, operators: OperatorTokens): string {
  const res = req.res!;
  const header = req.get('authorization');
  if (header === undefined) throw unauthorized(res, 'an operator bearer token is required');
  const name = operators.authenticate(header);
  if (name === undefined) throw unauthorized(res, 'the bearer token is not an operator token');
  return name;
}
