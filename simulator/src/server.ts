import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@ops-cockpit/core';
import { PROVIDERS } from '@ops-cockpit/core';
import { decideFault, parseFaultSettings, type FaultControl } from './faults.js';
import { BodyError, problem, readFields, type Send } from './http-io.js';
import type { FakeApi } from './providers/adapter.js';
import { SIM_PROVIDERS } from './providers/registry.js';
import type { World } from './world.js';
import { MessagingFake } from './messaging.js';
import type { StravaRateLimits } from './providers/strava-limits.js';

/**
 * The simulator's HTTP surface: each provider's fake API (providers/: Strava's athlete, activity by id and OAuth
 * refresh; Garmin's ping callbacks), the control endpoint that injects faults, and /healthz. Plain node:http: a handful of routes
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
  /** Strava's application rate limits to enforce (default none: unlimited, no rate-limit headers). */
  stravaLimits?: StravaRateLimits;
}

export function createSimulatorServer(deps: SimulatorServerDeps): http.Server {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const { world, faults, logger } = deps;
  const messaging = deps.messaging ?? new MessagingFake();

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
    if (!m || !faults.isTarget(m[1]!)) {
      const targets = faults.targets.join(' and ');
      return problem(send, 404, 'not-found', 'Not found', `no control at ${path}; targets are ${targets}`);
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
    // A provider's bodyDelayMs fault: headers at once, the body that much later.
    let bodyDelayMs = 0;
    const send: Send = (status, body, headers = {}) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
      const text = req.method === 'HEAD' ? undefined : JSON.stringify(body);
      if (bodyDelayMs > 0) {
        res.flushHeaders();
        setTimeout(() => res.end(text), bodyDelayMs);
      } else res.end(text);
      logger.debug(
        { method: req.method, path: url.pathname, status, ms: Math.round(performance.now() - started) },
        'request',
      );
    };
    const route = async () => {
      const path = url.pathname;
      if (path === '/healthz') return send(200, { status: 'ok' });
      if (messaging.handles(path)) return messaging.handle(req, url, send);
      if (path === '/control' || path.startsWith('/control/')) return control(req, url, send);
      const target = PROVIDERS.find((p) => SIM_PROVIDERS[p].api?.owns(path));
      const api: FakeApi | undefined = target && SIM_PROVIDERS[target].api;
      if (!target || !api) return problem(send, 404, 'not-found', 'Not found', path);
      const decision = decideFault(faults.get(target), random);
      if (decision.delayMs > 0) await sleep(decision.delayMs);
      bodyDelayMs = decision.bodyDelayMs;
      if (decision.error) {
        const headers: Record<string, string> = { 'X-Simulator-Fault': 'injected' };
        const { retryAfterSeconds } = decision.error;
        if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
        return api.fault(send, decision.error, headers);
      }
      return api.serve(req, url, send, {
        world,
        now,
        ...(deps.stravaLimits ? { stravaLimits: deps.stravaLimits } : {}),
      });
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
