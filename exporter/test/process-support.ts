import { dropDatabase, Secret } from '@ops-cockpit/core';
import {
  createTestRedis,
  freePort,
  spawnService,
  uniqueName,
  type ServiceProcess,
  type TestRedis,
} from '@ops-cockpit/core/testing';

/** The built exporter as its own process, on a database and Redis prefix of the test's own. */
export interface ExporterProcess {
  svc: ServiceProcess;
  url: string;
  port: number;
  redis: TestRedis;
  /** Stops the process and removes its database and keys; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts it with `env` on top of the connection settings, and waits until it listens. `databasePassword` goes
 * into DATABASE_URL (trust auth ignores it, so a secret can travel the whole start-up path unused).
 */
export async function startExporterProcess(
  label: string,
  env: Record<string, string>,
  opts: { databasePassword?: string } = {},
): Promise<ExporterProcess> {
  const redis = await createTestRedis(label);
  const auth = opts.databasePassword === undefined ? 'postgres' : `postgres:${opts.databasePassword}`;
  const databaseUrl = `postgres://${auth}@127.0.0.1:5432/${uniqueName(label)}`;
  const port = await freePort();
  const svc = spawnService('exporter', {
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: redis.prefix,
    HOST: '127.0.0.1',
    PORT: String(port),
    ...env,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await svc.stop('SIGTERM');
    await redis.close();
    await dropDatabase(new Secret(databaseUrl));
  };
  try {
    const listening = await svc.waitForLog('exporter listening', 30_000);
    return { svc, url: String(listening.url), port, redis, close };
  } catch (err) {
    await close();
    throw err;
  }
}
