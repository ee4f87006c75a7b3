import {
  checkDependencies,
  closeServer,
  createRedis,
  createRegistry,
  listen,
  Secret,
  urlOf,
  closeRedis,
  isCluster,
  DEDUP_TTL_SECONDS,
  createRedisKeys,
  type Pool,
  type Redis,
  CHAOS_MAX_ACTIVE_DEFAULT,
} from '@ops-cockpit/core';
import { silentLogger } from '@ops-cockpit/core/testing';
import type { Logger } from '@ops-cockpit/core';
import { createApp } from '../src/app.js';
import { createExporterMetrics } from '../src/metrics.js';
import { createOpsData } from '../src/ops-data.js';
import { registerOpsGauges } from '../src/ops-metrics.js';
import { createWebhookHandler, type WebhookHandler, type WebhookSettings } from '../src/webhooks/handler.js';
import { createLinkedAccounts, type LinkedAccounts } from '../src/webhooks/linked-accounts.js';
import { LINKED_ACCOUNT_PROVIDERS } from '../src/webhooks/registry.js';
import { createIncidentsDeps } from '../src/incidents/deps.js';
import { registerCalmGauges } from '../src/incidents/gauges.js';
import { createChaosDeps, type ChaosDeps } from '../src/chaos/deps.js';
import { createNudgeQueue } from '../src/nudges/queue.js';
import { registerQuietGauge } from '../src/nudges/gauges.js';
import { createJobsDeps } from '../src/jobs/deps.js';
import { createQuarantineDeps } from '../src/quarantine/deps.js';
import { parseNamedTokens } from '../src/auth/operators.js';
import { redisRateLimitStore } from '../src/security/rate-limit.js';
import { createExporterServer, type ServerTimeouts } from '../src/server.js';

export interface RunningApp {
  url: string;
  /** The lean webhook handler mounted ahead of express (its counters can be flushed on demand). */
  webhooks: WebhookHandler;
  linkedAccounts: LinkedAccounts;
  chaos: ChaosDeps;
  close(): Promise<void>;
}

/** The URL of the server `client` talks to, so extra connections (BullMQ, pub/sub) use the test's own Redis. */
function sameServer(client: Redis): Secret {
  if (isCluster(client)) throw new Error('the harness runs on one Redis');
  const { host, port } = client.options;
  return new Secret(`redis://${host ?? '127.0.0.1'}:${port ?? 6379}`);
}

/**
 * The real app on a free loopback port, wired to the given Postgres pool and Redis client; `prefix` is the
 * Redis key prefix (a test's own).
 */
export async function startApp(deps: {
  pool: Pool;
  redis: Redis;
  prefix?: string;
  goalMiles?: number;
  throughputPushSeconds?: number;
  throughputStreams?: { max: number; perClient: number };
  /** Webhook settings (default: no Strava token, any subscription, no Apple secret) and test clock. */
  webhooks?: Partial<WebhookSettings> & {
    now?: () => number;
    counterFlushMs?: number;
    appendTimeoutMs?: number;
  };
  /** ALERTMANAGER_TOKEN (default none: every notification refused). */
  alertmanagerToken?: string;
  /** OPS_OPERATOR_TOKENS, `name:token,...` (default none). */
  operatorTokens?: string;
  /** OPS_GRAFANA_OPERATOR (default `grafana`). */
  grafanaOperator?: string;
  /** Spike Lab settings (default: disabled, 4 active at most, re-read every 5 s, Math.random). */
  chaos?: { enabled?: boolean; maxActive?: number; refreshMs?: number; random?: () => number };
  /** NUDGE_COOLDOWN_HOURS (default 24). */
  nudgeCooldownHours?: number;
  /** OPS_READ_OPEN (default true) and OPS_VIEWER_TOKENS (default none). */
  readOpen?: boolean;
  viewerTokens?: string;
  /** CORS_ORIGINS (default none). */
  corsOrigins?: string[];
  /** Rate limits per window (default 10,000: high enough that only the tests of limits meet them). */
  rateLimits?: { windowSeconds?: number; nudge?: number; chaos?: number };
  /** HTTP server timeouts (default the production defaults: 10 s, 30 s, 5 s). */
  timeouts?: Partial<ServerTimeouts>;
  /** The process logger (default silent). */
  logger?: Logger;
}): Promise<RunningApp> {
  const logger = deps.logger ?? silentLogger;
  const check = () => checkDependencies(deps, 1_000);
  const registry = createRegistry({ service: 'exporter', version: 'test' });
  const metrics = createExporterMetrics(registry, { checkDependencies: check });
  const goalMiles = deps.goalMiles ?? 1_000_000;
  const keys = createRedisKeys(deps.prefix ?? 'ops_t_harness');
  const ops = createOpsData({ pool: deps.pool, redis: deps.redis, keys, goalMiles });
  registerOpsGauges(registry, ops, goalMiles, silentLogger);
  const incidents = createIncidentsDeps({
    pool: deps.pool,
    alertmanagerToken: deps.alertmanagerToken === undefined ? undefined : new Secret(deps.alertmanagerToken),
    operatorTokens: new Secret(deps.operatorTokens ?? ''),
    grafanaOperator: deps.grafanaOperator ?? 'grafana',
  });
  registerCalmGauges(registry, incidents.readCalm, silentLogger);
  const chaos = createChaosDeps({
    enabled: deps.chaos?.enabled ?? false,
    maxActive: deps.chaos?.maxActive ?? CHAOS_MAX_ACTIVE_DEFAULT,
    refreshMs: deps.chaos?.refreshMs ?? 5_000,
    redis: deps.redis,
    redisUrl: sameServer(deps.redis),
    keys,
    pool: deps.pool,
    operators: incidents.operators,
    registry,
    logger: silentLogger,
    ...(deps.chaos?.random ? { random: deps.chaos.random } : {}),
  });
  await chaos.flags.start();
  const bullConnection = createRedis({
    url: sameServer(deps.redis),
    role: 'blocking',
    logger: silentLogger,
    name: 'test-exporter-bullmq',
  });
  const nudgeQueue = createNudgeQueue({
    connection: bullConnection,
    prefix: keys.bullPrefix,
    logger: silentLogger,
  });
  registerQuietGauge(registry, deps.pool, silentLogger);
  const jobs = createJobsDeps({
    redis: deps.redis,
    bullConnection,
    keys,
    ingestStreamMaxlen: 1_000_000,
    pool: deps.pool,
    registry,
    logger: silentLogger,
  });
  const quarantine = createQuarantineDeps({
    pool: deps.pool,
    redis: deps.redis,
    keys,
    registry,
    logger: silentLogger,
  });
  const { app, closeStreams } = createApp({
    logger,
    registry,
    metrics,
    checkDependencies: check,
    ops,
    throughputPushSeconds: deps.throughputPushSeconds ?? 5,
    ...(deps.throughputStreams ? { throughputStreams: deps.throughputStreams } : {}),
    incidents,
    chaos,
    nudges: {
      pool: deps.pool,
      redis: deps.redis,
      keys,
      queue: nudgeQueue,
      cooldownHours: deps.nudgeCooldownHours ?? 24,
    },
    jobs,
    quarantine,
    security: {
      readOpen: deps.readOpen ?? true,
      viewers: parseNamedTokens(deps.viewerTokens ?? '', 'OPS_VIEWER_TOKENS'),
      corsOrigins: deps.corsOrigins ?? [],
      rateLimits: {
        windowSeconds: deps.rateLimits?.windowSeconds ?? 60,
        nudge: deps.rateLimits?.nudge ?? 10_000,
        chaos: deps.rateLimits?.chaos ?? 10_000,
        store: (limiter) => redisRateLimitStore(deps.redis, keys.rateLimit(limiter)),
      },
    },
  });
  const linkedAccounts = createLinkedAccounts({
    pool: deps.pool,
    logger: silentLogger,
    providers: LINKED_ACCOUNT_PROVIDERS,
    refreshMs: 30_000,
  });
  await linkedAccounts.refresh();
  const { now, counterFlushMs, appendTimeoutMs, ...settings } = deps.webhooks ?? {};
  const webhooks = createWebhookHandler({
    logger,
    metrics,
    redis: deps.redis,
    keys,
    linkedAccounts,
    chaos,
    settings: {
      stravaVerifyToken: undefined,
      stravaSubscriptionId: 0,
      appleHealthSecret: undefined,
      polarSecret: undefined,
      // As the local demo: Garmin and Strava without a URL token (the URL-token tests set one).
      garminWebhookToken: undefined,
      stravaWebhookToken: undefined,
      webhookTokensRequired: false,
      ingestStreamMaxlen: 1_000_000,
      ingestDedupSeconds: DEDUP_TTL_SECONDS,
      ingestMinReplicas: 0,
      ingestReplicaTimeoutMs: 500,
      ...settings,
    },
    ...(now ? { now } : {}),
    ...(counterFlushMs ? { counterFlushMs } : {}),
    ...(appendTimeoutMs ? { appendTimeoutMs } : {}),
  });
  const server = createExporterServer({
    webhooks,
    app,
    timeouts: { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000, ...deps.timeouts },
  });
  const address = await listen(server, '127.0.0.1', 0);
  return {
    url: urlOf(address),
    webhooks,
    linkedAccounts,
    chaos,
    close: async () => {
      closeStreams();
      await closeServer(server, 1_000, 100);
      await webhooks.close();
      linkedAccounts.close();
      await chaos.flags.close();
      await nudgeQueue.close();
      await jobs.failedJobs.close();
      await closeRedis(bullConnection);
    },
  };
}

/** A Redis client pointed at a port nothing listens on: every command fails at once. */
export function unreachableRedis(): Redis {
  return createRedis({
    url: new Secret('redis://127.0.0.1:1'),
    role: 'command',
    logger: silentLogger,
    name: 'unreachable',
  });
}

export { closeRedis };
