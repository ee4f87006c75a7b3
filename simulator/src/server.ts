import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@ops-cockpit/core';
import {
  decideFault,
  isFaultTarget,
  parseFaultSettings,
  type FaultControl,
  type FaultTarget,
} from './faults.js';
import { stravaAthlete, stravaDetailedActivity } from './provider-payloads.js';
import type { World } from './world.js';
import { MessagingFake } from './messaging.js';
import { PolarApiFake } from './polar/api.js';

/**
 * The simulator's HTTP surface: a fake Strava API (athlete, activity by id, OAuth refresh), Garmin ping
 * callbacks, the control endpoint that injects faults, and /healthz. Plain node:http: a handful of routes
 * needs no framework, and the latency a test measures is then only what was injected.
 */

export interface SimulatorServerDeps {
  world: World;
  faults: FaultControl;
  logger: Logger;
  /** Milliseconds since the epoch; tests move it to expire tokens. */
  now?: () => number;
  /** [0, 1) source deciding which requests fail at a given error rate. */
  random?: () => number;
  /** Fake SendGrid and Twilio with their outbox (default: a fresh one). */
  messaging?: MessagingFake;
  /** Fake Polar AccessLink, which the Polar traffic fills (default: a fresh, empty one). */
  polar?: PolarApiFake;
}

const MAX_BODY_BYTES = 64 * 1024;
const PROBLEM_BASE = 'https://ops-cockpit.dev/problems/';

class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

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
async function readFields(
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

function problem(send: Send, status: number, type: string, title: string, detail: string, extras = {}): void {
  send(
    status,
    { type: `${PROBLEM_BASE}${type}`, title, status, detail, ...extras },
    {
      'Content-Type': 'application/problem+json',
    },
  );
}

/** Strava's error shape: `{"message": ..., "errors": [{resource, field, code}]}`. */
function stravaError(
  send: Send,
  status: number,
  message: string,
  resource: string,
  field: string,
  code: string,
) {
  send(status, { message, errors: [{ resource, field, code }] });
}

const FAULT_MESSAGES: Record<number, string> = {
  429: 'Rate Limit Exceeded',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function sendInjectedFault(
  send: Send,
  target: FaultTarget,
  error: { status: number; retryAfterSeconds?: number },
): void {
  const headers: Record<string, string> = { 'X-Simulator-Fault': 'injected' };
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  const message = FAULT_MESSAGES[error.status] ?? 'Error';
  if (target === 'garmin') {
    send(error.status, { errorMessage: message }, headers);
  } else if (error.status === 429) {
    // Strava reports its 15-minute and daily limits and usage on every answer; over the limit, usage > limit.
    headers['X-RateLimit-Limit'] = '100,1000';
    headers['X-RateLimit-Usage'] = '101,1000';
    send(
      429,
      { message, errors: [{ resource: 'Application', field: 'rate limit', code: 'exceeded' }] },
      headers,
    );
  } else {
    send(error.status, { message, errors: [] }, headers);
  }
}

export function createSimulatorServer(deps: SimulatorServerDeps): http.Server {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const { world, faults, logger } = deps;
  const messaging = deps.messaging ?? new MessagingFake();
  const polar = deps.polar ?? new PolarApiFake();

  async function strava(req: http.IncomingMessage, url: URL, send: Send): Promise<void> {
    const method = req.method ?? 'GET';
    if (url.pathname === '/oauth/token') {
      if (method !== 'POST')
        return send(405, { message: 'Method Not Allowed', errors: [] }, { Allow: 'POST' });
      // Strava takes the fields as query parameters, a form or JSON; later sources win.
      const fields: Record<string, unknown> = {
        ...Object.fromEntries(url.searchParams),
        ...(await readFields(req, { acceptForm: true })),
      };
      if (fields.grant_type !== 'refresh_token') {
        return stravaError(send, 400, 'Bad Request', 'Application', 'grant_type', 'invalid');
      }
      const grant =
        typeof fields.refresh_token === 'string' ? world.refresh(fields.refresh_token, now()) : undefined;
      if (!grant) return stravaError(send, 400, 'Bad Request', 'RefreshToken', 'refresh_token', 'invalid');
      return send(200, {
        token_type: 'Bearer',
        access_token: grant.accessToken,
        expires_at: grant.expiresAt,
        expires_in: grant.expiresIn,
        refresh_token: grant.refreshToken,
      });
    }
    if (method !== 'GET') return send(405, { message: 'Method Not Allowed', errors: [] }, { Allow: 'GET' });
    const auth = world.authenticate(req.headers.authorization, now());
    if (!auth.ok)
      return stravaError(send, 401, 'Authorization Error', 'Athlete', 'access_token', auth.reason);
    if (url.pathname === '/api/v3/athlete') return send(200, stravaAthlete(auth.athlete));
    const m = /^\/api\/v3\/activities\/(\d{1,19})$/.exec(url.pathname);
    const activity = m ? world.activity('strava', String(BigInt(m[1]!))) : undefined;
    if (!activity) return stravaError(send, 404, 'Record Not Found', 'Activity', 'id', 'invalid');
    if (activity.user.stravaAthleteId !== auth.athlete.stravaAthleteId) {
      return stravaError(send, 401, 'Authorization Error', 'Athlete', 'access_token', 'invalid');
    }
    send(200, stravaDetailedActivity(activity));
  }

  function garmin(req: http.IncomingMessage, url: URL, send: Send): void {
    if (req.method !== 'GET') return send(405, { errorMessage: 'Method Not Allowed' }, { Allow: 'GET' });
    const m = /^\/garmin\/callback\/([A-Za-z0-9_-]{1,100})$/.exec(url.pathname);
    const summaries = m ? world.garminCallback(m[1]!) : undefined;
    if (!summaries) return send(404, { errorMessage: 'Not Found' });
    send(200, { activities: summaries });
  }

  async function control(req: http.IncomingMessage, url: URL, send: Send): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === '/control') {
      if (method !== 'GET')
        return problem(send, 405, 'method-not-allowed', 'Method not allowed', `${method} ${path}`);
      return send(200, faults.snapshot());
    }
    if (path === '/control/reset') {
      if (method !== 'POST')
        return problem(send, 405, 'method-not-allowed', 'Method not allowed', `${method} ${path}`);
      faults.reset();
      logger.info('faults reset');
      return send(200, faults.snapshot());
    }
    if (path === '/control/tokens/expire') {
      if (method !== 'POST')
        return problem(send, 405, 'method-not-allowed', 'Method not allowed', `${method} ${path}`);
      const fields = await readFields(req);
      const athleteId = fields.athleteId;
      if (athleteId !== undefined && (typeof athleteId !== 'number' || !world.athlete(athleteId))) {
        return problem(send, 400, 'bad-request', 'Bad request', 'athleteId: not a simulated athlete', {
          errors: [{ field: 'athleteId', message: 'not a simulated athlete' }],
        });
      }
      world.expireTokens(now(), athleteId);
      logger.info({ athleteId: athleteId ?? 'all' }, 'access tokens expired');
      return send(200, { expired: athleteId ?? 'all' });
    }
    const m = /^\/control\/([a-z_]+)$/.exec(path);
    if (!m || !isFaultTarget(m[1]!)) {
      return problem(
        send,
        404,
        'not-found',
        'Not found',
        `no control at ${path}; targets are strava and garmin`,
      );
    }
    if (method !== 'PUT')
      return problem(send, 405, 'method-not-allowed', 'Method not allowed', `${method} ${path}`);
    const parsed = parseFaultSettings(await readFields(req));
    if (!parsed.ok) {
      const detail = parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      return problem(send, 400, 'bad-request', 'Bad request', detail, { errors: parsed.errors });
    }
    faults.set(m[1], parsed.settings);
    logger.info({ target: m[1], ...parsed.settings }, 'faults set');
    send(200, faults.get(m[1]));
  }

  return http.createServer((req, res) => {
    const started = performance.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://simulator.invalid');
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad request target\n');
      return;
    }
    const send: Send = (status, body, headers = {}) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
      logger.debug(
        { method: req.method, path: url.pathname, status, ms: Math.round(performance.now() - started) },
        'request',
      );
    };
    const route = async () => {
      const path = url.pathname;
      if (path === '/healthz') return send(200, { status: 'ok' });
      if (messaging.handles(path)) return messaging.handle(req, url, send);
      if (polar.handles(path)) return polar.handle(req, url, send, now());
      if (path === '/control' || path.startsWith('/control/')) return control(req, url, send);
      const target: FaultTarget | undefined =
        path.startsWith('/api/v3/') || path === '/oauth/token'
          ? 'strava'
          : path.startsWith('/garmin/')
            ? 'garmin'
            : undefined;
      if (!target) return problem(send, 404, 'not-found', 'Not found', path);
      const decision = decideFault(faults.get(target), random);
      if (decision.delayMs > 0) await sleep(decision.delayMs);
      if (decision.error) return sendInjectedFault(send, target, decision.error);
      return target === 'strava' ? strava(req, url, send) : garmin(req, url, send);
    };
    route().catch((err: unknown) => {
      if (err instanceof BodyError) {
        const type = err.status === 413 ? 'payload-too-large' : 'malformed-json';
        return problem(
          send,
          err.status,
          type,
          err.status === 413 ? 'Payload too large' : 'Bad request',
          err.message,
        );
      }
      logger.error({ err: (err as Error).message, path: url.pathname }, 'simulator request failed');
      problem(send, 500, 'internal', 'Internal server error', 'see the simulator log');
    });
  });
}
