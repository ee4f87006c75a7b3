import type { Request, RequestHandler } from 'express';
import { HttpProblem } from '../http/problem.js';
import type { NamedTokens, OperatorTokens } from './operators.js';
import { unauthorized } from './unauthorized.js';

/** Who may read and who may act under /api/ops (OPS_OPERATOR_TOKENS, OPS_VIEWER_TOKENS, OPS_READ_OPEN). */
export interface AccessPolicy {
  operators: OperatorTokens;
  viewers: NamedTokens;
  /** Reads need no token (the local default); false requires a viewer or an operator token. */
  readOpen: boolean;
}

/** Methods that change nothing; every other method is a mutation and needs an operator. */
const READ_METHODS = new Set(['GET', 'HEAD']);

/** Set on `res.locals` once the request's operator is known, so each request is authenticated once. */
const OPERATOR_LOCAL = 'operator';

/**
 * The operator behind a request, or a thrown 401 (no or unknown token) / 403 (a viewer's token: it is known but
 * may only read, RFC 6750's insufficient_scope). Routes call it for the name they record as the actor.
 */
export function requireOperator(req: Request, operators: OperatorTokens, viewers?: NamedTokens): string {
  const res = req.res!;
  const known: unknown = res.locals[OPERATOR_LOCAL];
  if (typeof known === 'string') return known;
  const header = req.get('authorization');
  if (header === undefined) throw unauthorized(res, 'an operator bearer token is required');
  const name = operators.authenticate(header);
  if (name === undefined) {
    if (viewers?.authenticate(header) !== undefined) {
      throw new HttpProblem('forbidden', 'a viewer token may only read; this needs an operator token');
    }
    throw unauthorized(res, 'the bearer token is not an operator token');
  }
  res.locals[OPERATOR_LOCAL] = name;
  return name;
}

/**
 * Mounted on /api/ops ahead of every route and of body parsing, so no mutation can be added without an operator
 * check and an unauthenticated caller costs no body parse: every method but GET/HEAD/OPTIONS needs an operator
 * token; reads need a viewer or operator token unless reads are open. OPTIONS passes (CORS preflights carry no
 * credentials, and the answer reveals nothing).
 */
export function opsAccess(policy: AccessPolicy): RequestHandler {
  return (req, _res, next) => {
    if (req.method === 'OPTIONS') return next();
    if (!READ_METHODS.has(req.method)) {
      requireOperator(req, policy.operators, policy.viewers);
      return next();
    }
    if (policy.readOpen) return next();
    const header = req.get('authorization');
    if (header === undefined) throw unauthorized(req.res!, 'a viewer or operator bearer token is required');
    if (
      policy.viewers.authenticate(header) === undefined &&
      policy.operators.authenticate(header) === undefined
    ) {
      throw unauthorized(req.res!, 'the bearer token is not a viewer or operator token');
    }
    next();
  };
}
