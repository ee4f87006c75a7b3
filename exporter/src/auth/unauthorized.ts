import type { Response } from 'express';
import { HttpProblem } from '../http/problem.js';

export const WWW_AUTHENTICATE = 'Bearer realm="ops-cockpit"';

/** A 401 problem; the challenge header tells clients which scheme to use (RFC 6750). */
export function unauthorized(res: Response, detail: string): HttpProblem {
  res.set('WWW-Authenticate', WWW_AUTHENTICATE);
  return new HttpProblem('unauthorized', detail);
}
