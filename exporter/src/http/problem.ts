import type { ServerResponse } from 'node:http';
import { isDependencyUnavailable } from '@ops-cockpit/core';

/**
 * RFC 9457 problem details, for both HTTP paths: the lean node:http webhook path and express. `type` is a stable
 * identifier clients may switch on; `title` is fixed per type; `detail` explains this occurrence; extra members
 * (like `errors`) carry specifics such as the bad field.
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

/** Sent with every 503 that does not say otherwise: providers and clients retry, and this tells them when. */
export const RETRY_AFTER_SECONDS = '5';

/** Headers every problem of a type carries: a 413 closes the connection, so the rest of the body is never read. */
const TYPE_HEADERS: Partial<Record<ProblemType, Readonly<Record<string, string>>>> = {
  'dependency-unavailable': { 'retry-after': RETRY_AFTER_SECONDS },
  'payload-too-large': { connection: 'close' },
};

export interface FieldError {
  field: string;
  message: string;
}

export class HttpProblem extends Error {
  readonly type: ProblemType;
  readonly status: number;
  readonly extras: Record<string, unknown>;
  /** Headers of this occurrence (Allow, an injected Retry-After), over the type's own. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    type: ProblemType,
    detail: string,
    extras: Record<string, unknown> = {},
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.type = type;
    this.status = PROBLEM_TYPES[type].status;
    this.extras = extras;
    this.headers = headers;
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

/** What an error thrown while answering becomes, and how it is logged (`bug`: an error line with the stack). */
export interface ProblemFor {
  problem: HttpProblem;
  cause: 'request' | 'dependency' | 'bug';
}

/** body-parser's error `type`s, each a fault of the request (express side only; the lean path reads raw). */
const BODY_PARSER_PROBLEMS: Readonly<Record<string, ProblemType>> = {
  'entity.too.large': 'payload-too-large',
  'entity.parse.failed': 'malformed-json',
  'encoding.unsupported': 'unsupported-media-type',
  'charset.unsupported': 'unsupported-media-type',
};

/**
 * The one mapping of errors to problems, for both paths: an HttpProblem as it is; a body-parser error or another
 * 4xx from a library as a 4xx problem; Postgres or Redis unreachable as 503 (no bug of the request or ours, come
 * back later); anything else as 500.
 */
export function problemFor(err: unknown, bodyLimit = ''): ProblemFor {
  if (err instanceof HttpProblem) return { problem: err, cause: 'request' };
  const parserType = BODY_PARSER_PROBLEMS[(err as { type?: string } | null)?.type ?? ''];
  if (parserType === 'payload-too-large') {
    return { problem: new HttpProblem(parserType, `request body exceeds ${bodyLimit}`), cause: 'request' };
  }
  if (parserType === 'malformed-json') {
    return { problem: new HttpProblem(parserType, 'request body is not valid JSON'), cause: 'request' };
  }
  if (parserType) return { problem: new HttpProblem(parserType, (err as Error).message), cause: 'request' };
  const status = (err as { status?: number } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { problem: new HttpProblem('bad-request', (err as Error).message), cause: 'request' };
  }
  if (isDependencyUnavailable(err)) {
    const problem = new HttpProblem('dependency-unavailable', 'a dependency is unavailable; retry later');
    return { problem, cause: 'dependency' };
  }
  return {
    problem: new HttpProblem('internal', 'the server failed to handle this request'),
    cause: 'bug',
  };
}

/**
 * Answers a problem on either path (an express response is a node:http one): head and body in one write, as the
 * lean path needs. After headers went out nothing can be said any more, so the connection is cut instead.
 */
export function sendProblem(res: ServerResponse, problem: HttpProblem, instance?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(problemBody(problem.type, problem.message, instance, problem.extras));
  res.writeHead(problem.status, {
    ...TYPE_HEADERS[problem.type],
    ...problem.headers,
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
