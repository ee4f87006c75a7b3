import http from 'node:http';
import {
  Shutdown,
  VERSION,
  checkDependencies,
  closeRedis,
  closeServer,
  connectionsFrom,
  createLogger,
  createPool,
  createRedis,
  createRegistry,
  describeConnections,
  ensureDatabase,
  exitOnSignals,
  exporterEnvSchema,
  listen,
  loadEnvOrExit,
  migrate,
  urlOf,
} from '@ops-cockpit/core';
import { createApp } from './app.js';
import { createExporterMetrics } from './metrics.js';

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

  const redis = createRedis({ url: conn.redisUrl, role: 'command', logger, name: 'exporter' });
  shutdown.add('redis', 'resources', () => closeRedis(redis));

  const check = () => checkDependencies({ pool, redis }, env.READY_TIMEOUT_MS);
  const registry = createRegistry({ service: 'exporter', version: VERSION });
  const metrics = createExporterMetrics(registry, { checkDependencies: check });
  const app = createApp({ logger, registry, metrics, checkDependencies: check });

  const server = http.createServer(app);
  // Bound how long a client may take: slow-loris protection without cutting real uploads (bodies are ≤256 KB).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  const address = await listen(server, env.HOST, env.PORT);
  shutdown.add('http', 'intake', () => closeServer(server, env.SHUTDOWN_TIMEOUT_SECONDS * 1000 - 500));
  logger.info({ url: urlOf(address) }, 'exporter listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`exporter failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
