import http from 'node:http';
import {
  checkDependencies,
  closeServer,
  createRedis,
  createRegistry,
  listen,
  Secret,
  urlOf,
  closeRedis,
  type Pool,
  type Redis,
} from '@ops-cockpit/core';
import { silentLogger } from '@ops-cockpit/core/testing';
import { createApp } from '../src/app.js';
import { createExporterMetrics } from '../src/metrics.js';

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/** The real app on a free loopback port, wired to the given Postgres pool and Redis client. */
export async function startApp(deps: { pool: Pool; redis: Redis }): Promise<RunningApp> {
  const check = () => checkDependencies(deps, 1_000);
  const registry = createRegistry({ service: 'exporter', version: 'test' });
  const metrics = createExporterMetrics(registry, { checkDependencies: check });
  const app = createApp({ logger: silentLogger, registry, metrics, checkDependencies: check });
  const server = http.createServer(app);
  const address = await listen(server, '127.0.0.1', 0);
  return { url: urlOf(address), close: () => closeServer(server, 1_000) };
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
