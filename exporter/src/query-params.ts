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
