import type http from 'node:http';

/** The simulator's HTTP plumbing, shared by its routes and each provider's fake API: bodies in, JSON out. */

const MAX_BODY_BYTES = 64 * 1024;
const PROBLEM_BASE = 'https://ops-cockpit.dev/problems/';

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

export type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyError(413, `body over ${MAX_BODY_BYTES} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The fields of a JSON body (an empty body has none). With `acceptForm`, a form-encoded body too, as Strava's
 * OAuth endpoint takes; the control endpoint reads JSON whatever the header says (curl -d sends a form type).
 */
export async function readFields(
  req: http.IncomingMessage,
  opts: { acceptForm?: boolean } = {},
): Promise<Record<string, unknown>> {
  const raw = (await readBody(req)).toString('utf8');
  if (raw.trim() === '') return {};
  if (opts.acceptForm && (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BodyError(400, 'body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BodyError(400, 'body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function problem(
  send: Send,
  status: number,
  type: string,
  title: string,
  detail: string,
  extras = {},
): void {
  send(
    status,
    { type: `${PROBLEM_BASE}${type}`, title, status, detail, ...extras },
    {
      'Content-Type': 'application/problem+json',
    },
  );
}

/** The status text of an injected fault, in whichever error shape the provider wraps it. */
export const FAULT_MESSAGES: Readonly<Record<number, string>> = {
  429: 'Rate Limit Exceeded',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
