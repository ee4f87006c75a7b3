import type { Request } from 'express';
import { HttpProblem } from './http/problem.js';

/** Parses an optional integer query parameter, or throws a 400 naming it. */
export function intQuery(req: Request, name: string, def: number, min: number, max: number): number {
  const raw = req.query[name];
  if (raw === undefined) return def;
  const text = typeof raw === 'string' ? raw : '';
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new HttpProblem('bad-request', `${name} must be an integer ${min}-${max}`, {
      errors: [{ field: name, message: `expected an integer ${min}-${max}, got ${JSON.stringify(raw)}` }],
    });
  }
  return n;
}

/** A path parameter that is a row id (a positive integer), or a 400 naming it. */
export function idParam(raw: string | undefined, field = 'id'): number {
  const id = Number(raw);
  if (!/^\d{1,16}$/.test(raw ?? '') || id < 1 || !Number.isSafeInteger(id)) {
    throw new HttpProblem('bad-request', `${field} must be a positive integer`, {
      errors: [{ field, message: `expected a positive integer, got ${JSON.stringify(raw)}` }],
    });
  }
  return id;
}
