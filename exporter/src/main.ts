import {
  Shutdown,
  VERSION,
  checkDependencies,
  closeRedis,
  settleRedis,
  closeServer,
  connectionsFrom,
  createLogger,
  createPool,
  createRedis,
  createRedisKeys,
  createRegistry,
  describeConnections,
  ensureDatabase,
  exitOnSignals,
  exporterEnvSchema,
  listen,
  loadEnvOrExit,
  migrate,
  Secret,
  PROVIDERS,
  READER_ROLE,
  setReaderPassword,
  urlOf,
} from '@ops-cockpit/core';
import { createApp } from './app.js';
import { createExporterMetrics } from './metrics.js';
import { createWebhookHandler } from './webhooks/handler.js';
import { createLinkedAccounts, LINKED_ACCOUNTS_REFRESH_MS } from './webhooks/linked-accounts.js';
import { LINKED_ACCOUNT_PROVIDERS } from './webhooks/registry.js';
import { createOpsData } from './ops-data.js';
import { registerOpsGauges, registerProviderInfo } from './ops-metrics.js';
import { createIncidentsDeps } from './incidents/deps.js';
import { registerCalmGauges } from './incidents/gauges.js';
import { createChaosDeps } from './chaos/deps.js';
import { createNudgeQueue } from './nudges/queue.js';
import { registerQuietGauge } from './nudges/gauges.js';
import { createJobsDeps } from './jobs/deps.js';
import { createQuarantineDeps } from './quarantine/deps.js';
import { parseNamedTokens } from './auth/operators.js';
import { redisRateLimitStore } from './security/rate-limit.js';
import { createExporterServer } from './server.js';
import { registerRunbookInfo } from './routes/runbooks.js';

function optionalSecret(value: string | undefined): Secret | undefined {
  return value === undefined ? undefined : new Secret(value);
}

async function main(): Promise<void> {
  const env = loadEnvOrExit(exporterEnvSchema);
  const conn = connectionsFrom(env);
  const logger = createLogger({ name: 'exporter', level: env.LOG_LEVEL });
  const shutdown = new Shutdown(logger, env.SHUTDOWN_TIMEOUT_SECONDS * 1000);
  exitOnSignals(shutdown);
  logger.info({ version: VERSION, ...describeConnections(conn) }, 'starting exporter');

  await ensureDatabase(conn.databaseUrl);
  const pool = createPool({
    url: conn.databaseUrl,
    max: conn.databasePoolMax,
    logger,
    applicationName: 'ops-exporter',
  });
  shutdown.add('postgres', 'resources', () => pool.end());
  await migrate(pool, logger);
  if (env.GRAFANA_DB_PASSWORD !== undefined) {
    // Not fatal: a database user without CREATEROLE cannot set it; the dashboard's tables then stay unread.
    await setReaderPassword(pool, new Secret(env.GRAFANA_DB_PASSWORD)).then(
      () => logger.info({ role: READER_ROLE }, 'the read-only role for Grafana can log in'),
      (err: Error) =>
        logger.warn(
          { role: READER_ROLE, err: err.message },
          'GRAFANA_DB_PASSWORD not applied: give the role its password as an administrator (docs/deploy.md)',
        ),
    );
  }

  const redis = createRedis({
    url: conn.redisUrl,
    clusterNodes: conn.redisClusterNodes,
    role: 'command',
    logger,
    name: 'exporter',
  });
  shutdown.add('redis', 'resources', () => closeRedis(redis));
  await settleRedis(redis, logger);

  const check = () => checkDependencies({ pool, redis }, env.READY_TIMEOUT_MS);
  const registry = createRegistry({ service: 'exporter', version: VERSION });
  const metrics = createExporterMetrics(registry, { checkDependencies: check });
  const keys = createRedisKeys(conn.redisPrefix);
  const ops = createOpsData({ pool, redis, keys, goalMiles: env.CHALLENGE_GOAL_MILES });
  registerOpsGauges(registry, ops, env.CHALLENGE_GOAL_MILES, logger);
  registerProviderInfo(registry, PROVIDERS);
  const incidents = createIncidentsDeps({
    pool,
    alertmanagerToken: optionalSecret(env.ALERTMANAGER_TOKEN),
    operatorTokens: new Secret(env.OPS_OPERATOR_TOKENS),
    grafanaOperator: env.OPS_GRAFANA_OPERATOR,
  });
  registerCalmGauges(registry, incidents.readCalm, logger);
  const chaos = createChaosDeps({
    enabled: env.CHAOS_ENABLED,
    maxActive: env.CHAOS_MAX_ACTIVE,
    refreshMs: env.CHAOS_REFRESH_MS,
    redis,
    redisUrl: conn.redisUrl,
    redisClusterNodes: conn.redisClusterNodes,
    keys,
    pool,
    operators: incidents.operators,
    registry,
    logger,
  });
  await chaos.flags.start();
  shutdown.add('chaos flags', 'resources', () => chaos.flags.close());
  // BullMQ wants a connection that waits out Redis restarts ('blocking'), apart from the request-path one.
  const bullConnection = createRedis({
    url: conn.redisUrl,
    clusterNodes: conn.redisClusterNodes,
    role: 'blocking',
    logger,
    name: 'exporter-bullmq',
  });
  shutdown.add('redis-bullmq', 'resources', () => closeRedis(bullConnection));
  const nudgeQueue = createNudgeQueue({
    connection: bullConnection,
    prefix: keys.bullPrefix,
    logger,
    backoffMs: env.NUDGE_RETRY_BASE_MS,
  });
  shutdown.add('nudge queue', 'resources', () => nudgeQueue.close());
  registerQuietGauge(registry, pool, logger);
  const jobs = createJobsDeps({
    redis,
    bullConnection,
    keys,
    ingestStreamMaxlen: env.INGEST_STREAM_MAXLEN,
    pool,
    registry,
    logger,
  });
  shutdown.add('failed jobs', 'resources', () => jobs.failedJobs.close());
  const quarantine = createQuarantineDeps({ pool, redis, keys, registry, logger });
  if (incidents.alertmanagerToken === undefined) {
    logger.warn('ALERTMANAGER_TOKEN is not set: every Alertmanager notification is refused (401)');
  }
  if (env.CHAOS_ENABLED) {
    logger.warn(
      'Spike Lab is enabled (CHAOS_ENABLED=true): any operator can inject outages, rate limits, latency and duplicates',
    );
  }
  if (env.DEMO) {
    logger.warn('DEMO=true: the public demo tokens are accepted; never run a real deployment in demo mode');
  }
  for (const [variable, value] of [
    ['GARMIN_WEBHOOK_TOKEN', env.GARMIN_WEBHOOK_TOKEN],
    ['STRAVA_WEBHOOK_TOKEN', env.STRAVA_WEBHOOK_TOKEN],
  ] as const) {
    if (value !== undefined) continue;
    logger.warn(
      { variable },
      env.WEBHOOK_TOKENS_REQUIRED
        ? `${variable} is not set: every delivery of that provider is refused (403)`
        : `${variable} is not set and WEBHOOK_TOKENS_REQUIRED=false: that provider's unsigned deliveries are accepted from anyone (the local demo only)`,
    );
  }
  if (env.OPS_READ_OPEN && !['127.0.0.1', '::1', 'localhost'].includes(env.HOST)) {
    logger.warn(
      { host: env.HOST },
      'OPS_READ_OPEN is true: anyone who reaches this address may read /api/ops/*',
    );
  }
  const { app, closeStreams } = createApp({
    logger,
    registry,
    metrics,
    checkDependencies: check,
    ops,
    throughputPushSeconds: env.THROUGHPUT_PUSH_SECONDS,
    throughputStreams: { max: env.THROUGHPUT_STREAMS_MAX, perClient: env.THROUGHPUT_STREAMS_PER_CLIENT },
    incidents,
    chaos,
    nudges: { pool, redis, keys, queue: nudgeQueue, cooldownHours: env.NUDGE_COOLDOWN_HOURS },
    jobs,
    quarantine,
    security: {
      readOpen: env.OPS_READ_OPEN,
      viewers: parseNamedTokens(env.OPS_VIEWER_TOKENS, 'OPS_VIEWER_TOKENS'),
      corsOrigins: env.CORS_ORIGINS,
      rateLimits: {
        windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
        nudge: env.NUDGE_RATE_LIMIT,
        chaos: env.CHAOS_RATE_LIMIT,
        store: (limiter) => redisRateLimitStore(redis, keys.rateLimit(limiter)),
      },
    },
  });
  shutdown.add('sse-streams', 'intake', closeStreams);

  const linkedAccounts = createLinkedAccounts({
    pool,
    logger,
    providers: LINKED_ACCOUNT_PROVIDERS,
    refreshMs: LINKED_ACCOUNTS_REFRESH_MS,
  });
  // A failed first load is logged; deliveries that need it then get 503 (retried) until a refresh succeeds.
  await linkedAccounts.refresh();
  const webhooks = createWebhookHandler({
    logger,
    metrics,
    redis,
    keys,
    linkedAccounts,
    chaos,
    settings: {
      stravaVerifyToken: optionalSecret(env.STRAVA_VERIFY_TOKEN),
      stravaSubscriptionId: env.STRAVA_SUBSCRIPTION_ID,
      appleHealthSecret: optionalSecret(env.APPLE_HEALTH_WEBHOOK_SECRET),
      polarSecret: optionalSecret(env.POLAR_WEBHOOK_SECRET),
      garminWebhookToken: optionalSecret(env.GARMIN_WEBHOOK_TOKEN),
      stravaWebhookToken: optionalSecret(env.STRAVA_WEBHOOK_TOKEN),
      webhookTokensRequired: env.WEBHOOK_TOKENS_REQUIRED,
      ingestStreamMaxlen: env.INGEST_STREAM_MAXLEN,
      ingestDedupSeconds: env.INGEST_DEDUP_SECONDS,
      ingestMinReplicas: env.INGEST_MIN_REPLICAS,
      ingestReplicaTimeoutMs: env.INGEST_REPLICA_TIMEOUT_MS,
    },
  });

  const server = createExporterServer({
    webhooks,
    app,
    timeouts: {
      headersMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestMs: env.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
  });
  const address = await listen(server, env.HOST, env.PORT, 'PORT');
  shutdown.add('http', 'intake', () => closeServer(server, env.SHUTDOWN_TIMEOUT_SECONDS * 1000 - 500));
  // After the server: requests still in flight have counted their events by now.
  shutdown.add('webhook counters', 'intake', () => webhooks.close());
  shutdown.add('linked accounts', 'intake', () => linkedAccounts.close());
  registerRunbookInfo(registry, env.RUNBOOK_BASE_URL ?? `${urlOf(address)}/runbooks`);
  logger.info({ url: urlOf(address) }, 'exporter listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`exporter failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
