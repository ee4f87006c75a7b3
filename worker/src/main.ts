import { Queue } from 'bullmq';
import {
  QUEUES,
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
  listen,
  loadEnvOrExit,
  migrate,
  recomputeChallenge,
  urlOf,
  workerEnvSchema,
  type QueueName,
} from '@ops-cockpit/core';
import { applyRetention } from './housekeeping/retention.js';
import { retentionPolicyFrom } from './housekeeping/retention-policy.js';
import { IngestConsumer } from './ingest/consumer.js';
import { ingestPending } from './ingest/ingest-stream.js';
import { applyPrepared, createPreparer, heldProviders } from './ingest/process.js';
import { createHeatmapVersion, movesRollup } from './ingest/heatmap-cache.js';
import { createIngestAdapters } from './ingest/registry.js';
import { limitPerProvider, providerCalls, withBudget } from './providers/calls.js';
import { BudgetLedger, budgetsFrom } from './providers/budget-ledger.js';
import { registerBudgetMetrics } from './providers/budget-metrics.js';
import { createTrafficHealth, withTrafficHealth } from './probes/traffic-health.js';
import { outboundPolicy } from './providers/outbound-policy.js';
import { createMetricsServer } from './metrics-server.js';
import { createWorkerMetrics } from './metrics.js';
import { startQueueWorkers } from './queue-workers.js';
import { ensureHousekeepingSchedules, ensureProbeSchedules } from './schedules.js';
import { parseExpectedStatuses } from './probes/expected-statuses.js';
import { plainProbeCall } from './probes/http-probe.js';
import { probeJobHandler } from './probes/job.js';
import { probeKeys } from './probes/keys.js';
import { createProbeRunner } from './probes/runner.js';
import { probeTargetsFrom } from './probes/targets.js';
import type { QueueHandlers } from './handlers.js';
import { createWorkerChaos, withProbeChaos, withProviderChaos } from './chaos.js';
import { nudgeJobHandler } from './nudges/job.js';
import { notifiersFrom } from './nudges/notifiers.js';

async function main(): Promise<void> {
  const env = loadEnvOrExit(workerEnvSchema);
  const conn = connectionsFrom(env);
  const logger = createLogger({ name: 'worker', level: env.LOG_LEVEL });
  const shutdownMs = env.SHUTDOWN_TIMEOUT_SECONDS * 1000;
  const shutdown = new Shutdown(logger, shutdownMs);
  exitOnSignals(shutdown);
  logger.info({ version: VERSION, ...describeConnections(conn) }, 'starting worker');

  await ensureDatabase(conn.databaseUrl);
  const pool = createPool({
    url: conn.databaseUrl,
    max: conn.databasePoolMax,
    logger,
    applicationName: 'ops-worker',
  });
  shutdown.add('postgres', 'resources', () => pool.end());
  await migrate(pool, logger);

  const keys = createRedisKeys(conn.redisPrefix);
  const redis = createRedis({
    url: conn.redisUrl,
    clusterNodes: conn.redisClusterNodes,
    role: 'command',
    logger,
    name: 'worker',
  });
  const bullConnection = createRedis({
    url: conn.redisUrl,
    clusterNodes: conn.redisClusterNodes,
    role: 'blocking',
    logger,
    name: 'worker-bullmq',
  });
  shutdown.add('redis', 'resources', () => closeRedis(redis));
  await settleRedis(redis, logger);
  shutdown.add('redis-bullmq', 'resources', () => closeRedis(bullConnection));

  const queues = new Map<QueueName, Queue>(
    QUEUES.map((q) => [q, new Queue(q, { connection: bullConnection, prefix: keys.bullPrefix })]),
  );
  shutdown.add('queues', 'resources', async () => {
    await Promise.all([...queues.values()].map((q) => q.close()));
  });

  const check = () => checkDependencies({ pool, redis }, 2_000);
  const registry = createRegistry({ service: 'worker', version: VERSION });
  // The consumer is made later, with these metrics; until then nothing is in flight.
  const inFlight = { count: (): number => 0 };
  const metrics = createWorkerMetrics(registry, {
    jobCounts: (q) => queues.get(q)!.getJobCounts(),
    ingestPending: () => ingestPending(redis, keys.ingestStream),
    ingestInFlight: () => inFlight.count(),
  });

  const chaos = createWorkerChaos({
    enabled: env.CHAOS_ENABLED,
    refreshMs: env.CHAOS_REFRESH_MS,
    maxActive: env.CHAOS_MAX_ACTIVE,
    redis,
    redisUrl: conn.redisUrl,
    redisClusterNodes: conn.redisClusterNodes,
    keys,
    registry,
    logger,
  });
  await chaos.flags.start();
  shutdown.add('chaos flags', 'resources', () => chaos.flags.close());

  // Provider request budgets, shared by every worker through Redis: probes and ingest calls take their place first.
  const budgetLengths = {
    shortSeconds: env.PROVIDER_BUDGET_WINDOW_SECONDS,
    daySeconds: env.PROVIDER_BUDGET_DAY_SECONDS,
  };
  const ledger = new BudgetLedger({
    redis,
    keys,
    ...budgetsFrom(env),
    lengths: budgetLengths,
    reservePercent: env.PROVIDER_BUDGET_RESERVE_PERCENT,
  });

  const probeTargets = probeTargetsFrom(env);
  const probes = createProbeRunner({
    pool,
    redis,
    keys: probeKeys(keys),
    targets: probeTargets,
    expected: parseExpectedStatuses(env.PROBE_EXPECTED_STATUSES),
    timeoutMs: env.PROBE_TIMEOUT_MS,
    intervalMs: env.PROBE_INTERVAL_SECONDS * 1000,
    metrics,
    logger,
    call: withProbeChaos(chaos.gate, plainProbeCall),
    ledger,
  });

  const retention = () =>
    applyRetention({
      pool,
      redis,
      keys,
      policy: retentionPolicyFrom(env),
      batchSize: env.RETENTION_BATCH_SIZE,
      metrics,
      logger,
    });
  const notifiers = notifiersFrom(env);
  shutdown.add('notifiers', 'resources', () => Object.values(notifiers).forEach((n) => n.close?.()));
  const handlers: QueueHandlers = {
    probe: { probe: probeJobHandler(probes) },
    nudge: { send: nudgeJobHandler({ pool, notifiers, metrics, logger }) },
    housekeeping: {
      'apply-retention': async () => ({ removed: await retention() }),
      // Queued by a version before apply-retention: the settings of this one win.
      'prune-probe-logs': async () => ({ removed: await retention() }),
      'recompute-challenge': async () => {
        const driftMeters = await recomputeChallenge(pool);
        metrics.challengeDrift.set(driftMeters);
        if (driftMeters !== 0) logger.warn({ driftMeters }, 'challenge total drifted; corrected');
        return { driftMeters };
      },
    },
  };
  const queueWorkers = startQueueWorkers({
    connection: bullConnection,
    prefix: keys.bullPrefix,
    handlers,
    concurrency: env.WORKER_CONCURRENCY,
    stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
    logger,
    metrics,
  });
  shutdown.add('queue-workers', 'intake', () => queueWorkers.close(shutdownMs - 1_000));
  await ensureHousekeepingSchedules(queues.get('housekeeping')!);
  await ensureProbeSchedules(
    queues.get('probe')!,
    probeTargets.map((t) => t.provider),
    env.PROBE_INTERVAL_SECONDS,
  );
  logger.info(
    {
      probes: probeTargets.map((t) => ({ provider: t.provider, url: t.url.origin + t.url.pathname })),
      intervalSeconds: env.PROBE_INTERVAL_SECONDS,
    },
    'provider probes scheduled',
  );

  // Every outgoing ingest call goes through Spike Lab's one seam (target `provider`), WORKER_CONCURRENCY at a
  // time per provider.
  const outbound = providerCalls({
    policy: outboundPolicy(env),
    timeoutMs: env.PROVIDER_TIMEOUT_MS,
    maxResponseBytes: env.PROVIDER_MAX_RESPONSE_BYTES,
    logger,
    onRefused: (provider) => metrics.callsRefused.inc({ provider }),
  });
  shutdown.add('outbound connections', 'resources', () => outbound.close());
  // Inside Spike Lab's seam: a call its fault stops never went out, so it spends no budget. Every call that does
  // go out is recorded as the provider's health (passive health), so a busy provider needs no probe.
  const traffic = createTrafficHealth({
    pool,
    redis,
    keys: probeKeys(keys),
    intervalMs: env.PROBE_INTERVAL_SECONDS * 1000,
    metrics,
    logger,
  });
  const budgeted = withBudget(withTrafficHealth(outbound, traffic), ledger, (provider) =>
    metrics.budgetWaits.inc({ provider }),
  );
  const call = limitPerProvider(withProviderChaos(chaos.gate, budgeted), env.WORKER_CONCURRENCY);
  const adapters = createIngestAdapters({ call, settings: env });
  const ingestConnection = createRedis({
    url: conn.redisUrl,
    clusterNodes: conn.redisClusterNodes,
    role: 'blocking',
    logger,
    name: 'worker-ingest',
  });
  shutdown.add('redis-ingest', 'resources', () => closeRedis(ingestConnection));
  // The heatmap is as fresh as the challenge total within about a second, at most one re-read a second.
  const heatmapVersion = createHeatmapVersion({
    redis,
    versionKey: keys.heatmapVersion,
    minIntervalMs: 1_000,
    logger,
  });
  const consumer = new IngestConsumer({
    redis: ingestConnection,
    commands: redis,
    keys,
    batchSize: env.INGEST_BATCH_SIZE,
    lingerMs: env.INGEST_BATCH_LINGER_MS,
    claimIdleMs: env.INGEST_CLAIM_IDLE_MS,
    maxDeliveries: env.INGEST_MAX_DELIVERIES,
    prepare: createPreparer(
      { pool, adapters, limits: env.PLAUSIBILITY_LIMITS },
      { deadlineMs: env.INGEST_ENTRY_DEADLINE_MS },
    ),
    apply: async (batch) => {
      const applied = await applyPrepared(pool, batch);
      for (const provider of heldProviders(batch, applied)) metrics.ingestHeld.inc({ provider });
      if (applied.some((a) => 'outcome' in a && movesRollup(a.outcome))) heatmapVersion.changed();
      return applied;
    },
    logger,
    metrics,
  });
  inFlight.count = () => consumer.inFlight;
  registerBudgetMetrics(registry, {
    ledger,
    waiting: () => consumer.budgetWaiting(),
    lengths: budgetLengths,
    reservePercent: env.PROVIDER_BUDGET_RESERVE_PERCENT,
    logger,
  });
  consumer.start();
  shutdown.add('ingest-consumer', 'intake', () => consumer.close());
  shutdown.add('heatmap version', 'intake', () => heatmapVersion.close());

  const server = createMetricsServer({ registry, checkDependencies: check });
  const address = await listen(
    server,
    env.WORKER_METRICS_HOST,
    env.WORKER_METRICS_PORT,
    'WORKER_METRICS_PORT',
  );
  shutdown.add('http', 'intake', () => closeServer(server, 1_000));
  logger.info({ url: urlOf(address), queues: QUEUES }, 'worker running');
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
