import type { ServerResponse } from 'node:http';
import { PROBLEM_TYPES, problemBody, type ProblemType } from '../problem.js';

/** Answers with a JSON body; the lean path writes head and body in one go, as express's `res.json` would. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** The same problem+json body the express routes send (problem.ts), for the lean path. */
export function sendProblem(
  res: ServerResponse,
  type: ProblemType,
  detail: string,
  instance: string,
  opts: { extras?: Record<string, unknown>; headers?: Record<string, string> } = {},
): void {
  const text = JSON.stringify(problemBody(type, detail, instance, opts.extras));
  res.writeHead(PROBLEM_TYPES[type].status, {
    ...opts.headers,
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Answers with JSON already rendered (the constant answers of the hot path are rendered once). */
export function sendJsonText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
