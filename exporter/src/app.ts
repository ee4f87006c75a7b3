import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger, DependencyStatus } from '@ops-cockpit/core';
import type { Registry } from 'prom-client';
import { HttpProblem, sendProblem } from './problem.js';
import { methodLabel, type ExporterMetrics } from './metrics.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { openapiRoutes } from './routes/openapi.js';
import { opsReadRoutes } from './routes/ops.js';
import { providerHealthRoutes } from './routes/provider-health.js';
import { throughputStreamRoutes } from './routes/throughput-stream.js';
import type { OpsData } from './ops-data.js';
import { alertmanagerRoutes } from './routes/alertmanager.js';
import { incidentRoutes } from './routes/incidents.js';
import { statusRoutes } from './routes/status.js';
import type { IncidentsDeps } from './incidents/deps.js';
import { chaosRoutes } from './routes/chaos.js';
import type { ChaosDeps } from './chaos/deps.js';
import { quietUsersRoutes } from './routes/quiet-users.js';
import { nudgeRoutes } from './routes/nudges.js';
import type { NudgesDeps } from './nudges/deps.js';
import { opsAccess, requireOperator } from './auth/access.js';
import type { SecurityDeps } from './security/deps.js';
import { securityHeaders } from './security/headers.js';
import { corsFor } from './security/cors.js';
import { createRateLimiter } from './security/rate-limit.js';
import { redactRequest } from './request-log.js';

/** Everything the app talks to, passed in so tests build it against their own Postgres, Redis and registry. */
export interface AppDeps {
  logger: Logger;
  registry: Registry;
  metrics: ExporterMetrics;
  checkDependencies: () => Promise<DependencyStatus[]>;
  ops: OpsData;
  throughputPushSeconds: number;
  incidents: IncidentsDeps;
  chaos: ChaosDeps;
  nudges: NudgesDeps;
  security: SecurityDeps;
}

/** The express app plus what a graceful shutdown must end (long-lived SSE streams). */
export interface OpsApp {
  app: Express;
  closeStreams(): void;
}

export const BODY_LIMIT = '256kb';

const QUIET_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/** Route template for metrics labels: bounded, never the raw URL (which could carry ids or garbage). */
function routeLabel(req: express.Request): string {
  const path = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
}

function observe(metrics: ExporterMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const labels = { method: methodLabel(req.method), route: routeLabel(req) };
      end(labels);
      metrics.httpRequests.inc({ ...labels, code: String(res.statusCode) });
    });
    next();
  };
}

export function createApp(deps: AppDeps): OpsApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const { operators } = deps.incidents;
  const { rateLimits } = deps.security;
  const limiter = (name: 'nudge' | 'chaos') =>
    createRateLimiter({
      name,
      limit: rateLimits[name],
      windowSeconds: rateLimits.windowSeconds,
      store: rateLimits.store(name),
      // Per operator, not per address: every operator behind one proxy (Grafana) keeps their own budget.
      key: (req) => `operator:${requireOperator(req, operators)}`,
      logger: deps.logger,
    });

  app.use(observe(deps.metrics));
  app.use(
    pinoHttp({
      logger: deps.logger,
      autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url ?? '') },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
      serializers: { req: redactRequest },
    }),
  );
  app.use(securityHeaders());
  const cors = corsFor(deps.security.corsOrigins);
  if (cors) app.use(cors);
  // Before the body parser: an unauthenticated mutation is refused without its body being read.
  app.use(
    '/api/ops',
    opsAccess({ operators, viewers: deps.security.viewers, readOpen: deps.security.readOpen }),
  );
  app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));

  app.use(healthRoutes({ checkDependencies: deps.checkDependencies }));
  app.use(metricsRoutes(deps.registry));
  app.use(openapiRoutes());
  app.use(opsReadRoutes(deps.ops));
  app.use(providerHealthRoutes(deps.ops));
  app.use(alertmanagerRoutes({ store: deps.incidents.store, token: deps.incidents.alertmanagerToken }));
  app.use(incidentRoutes({ store: deps.incidents.store, operators }));
  app.use(statusRoutes(deps.incidents.readCalm));
  app.use(chaosRoutes(deps.chaos, { rateLimit: limiter('chaos') }));
  app.use(quietUsersRoutes(deps.nudges));
  app.use(nudgeRoutes({ ...deps.nudges, operators, logger: deps.logger, rateLimit: limiter('nudge') }));
  const streams = throughputStreamRoutes(deps.ops, deps.logger, { pushSeconds: deps.throughputPushSeconds });
  app.use(streams.router);

  app.use((req, res) => {
    sendProblem(res, new HttpProblem('not-found', `no route for ${req.method} ${req.path}`), req.path);
  });

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof HttpProblem) {
      sendProblem(res, err, req.path);
      return;
    }
    // body-parser's errors carry a `type`; map them to 4xx problems rather than a 500.
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') {
      sendProblem(res, new HttpProblem('payload-too-large', `request body exceeds ${BODY_LIMIT}`), req.path);
      return;
    }
    if (type === 'entity.parse.failed') {
      sendProblem(res, new HttpProblem('malformed-json', 'request body is not valid JSON'), req.path);
      return;
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      sendProblem(res, new HttpProblem('unsupported-media-type', (err as Error).message), req.path);
      return;
    }
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendProblem(res, new HttpProblem('bad-request', (err as Error).message), req.path);
      return;
    }
    req.log.error({ err }, 'unhandled error');
    sendProblem(res, new HttpProblem('internal', 'the server failed to handle this request'), req.path);
  };
  app.use(onError);
  return { app, closeStreams: streams.close };
}
