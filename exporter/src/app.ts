import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import {
  THROUGHPUT_STREAMS_MAX_DEFAULT,
  THROUGHPUT_STREAMS_PER_CLIENT_DEFAULT,
  type DependencyStatus,
  type Logger,
} from '@ops-cockpit/core';
import type { Registry } from 'prom-client';
import { HttpProblem, problemFor, sendProblem } from './http/problem.js';
import { methodLabel, recordHttpRequest, UNMATCHED_ROUTE } from './http/request-metrics.js';
import type { ExporterMetrics } from './metrics.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { openapiRoutes } from './routes/openapi.js';
import { runbookRoutes } from './routes/runbooks.js';
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
import { jobRoutes } from './routes/jobs.js';
import { quarantineRoutes } from './routes/quarantine.js';
import type { QuarantineDeps } from './quarantine/deps.js';
import type { JobsDeps } from './jobs/deps.js';
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
  /** Caps on open live-signal streams (default: the config defaults). */
  throughputStreams?: { max: number; perClient: number };
  incidents: IncidentsDeps;
  chaos: ChaosDeps;
  nudges: NudgesDeps;
  security: SecurityDeps;
  /** Dead letters and failed jobs, listed and replayed by operators. */
  jobs: JobsDeps;
  /** Activities held as impossible, reviewed by operators. */
  quarantine: QuarantineDeps;
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
  return typeof path === 'string' ? `${req.baseUrl}${path}` : UNMATCHED_ROUTE;
}

function observe(metrics: ExporterMetrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      recordHttpRequest(metrics, methodLabel(req.method), routeLabel(req), res.statusCode, seconds);
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
  app.use(runbookRoutes());
  app.use(opsReadRoutes(deps.ops));
  app.use(providerHealthRoutes(deps.ops));
  app.use(alertmanagerRoutes({ store: deps.incidents.store, token: deps.incidents.alertmanagerToken }));
  app.use(
    incidentRoutes({
      store: deps.incidents.store,
      operators,
      grafanaOperator: deps.incidents.grafanaOperator,
    }),
  );
  app.use(statusRoutes(deps.incidents.readCalm));
  app.use(chaosRoutes(deps.chaos, { rateLimit: limiter('chaos') }));
  app.use(quietUsersRoutes(deps.nudges));
  app.use(nudgeRoutes({ ...deps.nudges, operators, logger: deps.logger, rateLimit: limiter('nudge') }));
  app.use(jobRoutes({ ...deps.jobs, operators, viewers: deps.security.viewers, logger: deps.logger }));
  app.use(
    quarantineRoutes({
      ...deps.quarantine,
      operators,
      viewers: deps.security.viewers,
      grafanaOperator: deps.incidents.grafanaOperator,
    }),
  );
  const streams = throughputStreamRoutes(deps.ops, deps.logger, {
    pushSeconds: deps.throughputPushSeconds,
    maxStreams: deps.throughputStreams?.max ?? THROUGHPUT_STREAMS_MAX_DEFAULT,
    maxStreamsPerClient: deps.throughputStreams?.perClient ?? THROUGHPUT_STREAMS_PER_CLIENT_DEFAULT,
  });
  app.use(streams.router);

  app.use((req, res) => {
    sendProblem(res, new HttpProblem('not-found', `no route for ${req.method} ${req.path}`), req.path);
  });

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const { problem, cause } = problemFor(err, BODY_LIMIT);
    if (cause === 'dependency') req.log.warn({ err: (err as Error).message }, 'dependency unavailable');
    if (cause === 'bug') req.log.error({ err }, 'unhandled error');
    sendProblem(res, problem, req.path);
  };
  app.use(onError);
  return { app, closeStreams: streams.close };
}
