import type { Response } from 'express';

/**
 * RFC 9457 problem details. `type` is a stable identifier clients may switch on; `title` is fixed per type;
 * `detail` explains this occurrence; extra members (like `errors`) carry specifics such as the bad field.
 */
export const PROBLEM_TYPES = {
  'bad-request': { status: 400, title: 'Bad request' },
  'malformed-json': { status: 400, title: 'Malformed JSON body' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'validation-failed': { status: 422, title: 'Validation failed' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  'dependency-unavailable': { status: 503, title: 'Dependency unavailable' },
} as const;

export type ProblemType = keyof typeof PROBLEM_TYPES;

export const PROBLEM_TYPE_BASE = 'https://ops-cockpit.dev/problems/';

export interface FieldError {
  field: string;
  message: string;
}

export class HttpProblem extends Error {
  readonly type: ProblemType;
  readonly status: number;
  readonly extras: Record<string, unknown>;

  constructor(type: ProblemType, detail: string, extras: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'HttpProblem';
    this.type = type;
    this.status = PROBLEM_TYPES[type].status;
    this.extras = extras;
  }
}

export function problemBody(type: ProblemType, detail: string, instance?: string, extras = {}) {
  const { status, title } = PROBLEM_TYPES[type];
  return {
    type: `${PROBLEM_TYPE_BASE}${type}`,
    title,
    status,
    detail,
    ...(instance ? { instance } : {}),
    ...extras,
  };
}

export function sendProblem(res: Response, problem: HttpProblem, instance?: string): void {
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify(problemBody(problem.type, problem.message, instance, problem.extras)));
}
