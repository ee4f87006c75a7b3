import { Cluster, Redis as Standalone, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Secret } from './secret.js';

/** A connection to one Redis or to a Redis Cluster: every module takes either (REDIS_CLUSTER_NODES chooses). */
export type Redis = Standalone | Cluster;

/** A seed node of a Redis Cluster (REDIS_CLUSTER_NODES); the client discovers the others from it. */
export interface RedisNode {
  host: string;
  port: number;
}

export type RedisRole =
  /** Request path: fail a command at once while disconnected, so callers answer 503 instead of hanging. */
  | 'command'
  /** BullMQ and blocking stream reads: wait for reconnection indefinitely (BullMQ requires this). */
  | 'blocking';

/** One Redis, not a cluster: what tests and tools that start their own server hold. */
export type StandaloneRedis = Standalone;

interface ClientOptions {
  url: Secret;
  /** Seed nodes of a Redis Cluster; empty or absent: the one Redis at `url`. */
  clusterNodes?: readonly RedisNode[];
  role: RedisRole;
  logger: Logger;
  name: string;
}

/**
 * A client for `url`, or, with `clusterNodes`, a cluster client seeded with them that takes its credentials and
 * TLS from `url` (rediss:// turns TLS on; the host of `url` is not used then).
 */
export function createRedis(opts: ClientOptions & { clusterNodes?: undefined }): StandaloneRedis;
export function createRedis(opts: ClientOptions): Redis;
export function createRedis(opts: ClientOptions): Redis {
  const blocking = opts.role === 'blocking';
  const options: RedisOptions = {
    connectionName: opts.name,
    enableOfflineQueue: blocking,
    maxRetriesPerRequest: blocking ? null : 1,
    // Reconnect forever, backing off to 2 s: Redis restarts are routine and the process should heal itself.
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    connectTimeout: 5_000,
    lazyConnect: false,
  };

  // Commands issued in the same tick share one write: the webhook path's one XADD per request then costs
  // no extra round trip under load (measured: 0.70 of bare node:http with it). The cluster client groups them
  // per node.
  const autoPipelining = !blocking;
  const client: Redis = opts.clusterNodes?.length
    ? new Cluster([...opts.clusterNodes], {
        enableOfflineQueue: blocking,
        enableAutoPipelining: autoPipelining,
        // Reconnect to the cluster forever, as above; a failover moves slots and the client follows MOVED.
        clusterRetryStrategy: (times) => Math.min(times * 100, 2_000),
        // During a failover a slot answers CLUSTERDOWN or TRYAGAIN for a few seconds: retry rather than fail.
        retryDelayOnClusterDown: 200,
        retryDelayOnTryAgain: 200,
        retryDelayOnFailover: 200,
        // Re-read the slot map every 2 s as well as on MOVED, so a failover is learnt even by a connection
        // that had nothing to send meanwhile.
        slotsRefreshInterval: 2_000,
        redisOptions: { ...options, ...credentialsOf(opts.url) },
      })
    : new Standalone(opts.url.reveal(), { ...options, enableAutoPipelining: autoPipelining });
  let lastError = '';
  client.on('error', (err: Error) => {
    // ioredis retries on its own; log each distinct error once rather than every 100 ms.
    if (err.message !== lastError) opts.logger.warn({ err: err.message, redis: opts.name }, 'redis error');
    lastError = err.message;
  });
  client.on('ready', () => {
    lastError = '';
  });
  return client;
}

/** Username, password and TLS of a redis:// or rediss:// URL, for the nodes of a cluster (which have no database but 0). */
export function credentialsOf(url: Secret): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  const parsed = new URL(url.reveal());
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * A second connection with `client`'s settings, for a caller that must not share one (WAIT holds its connection).
 * It queues commands until connected (a caller's own deadline bounds the wait); its errors surface on its
 * commands, and the listener only keeps ioredis from reporting them as unhandled.
 */
export function duplicateRedis(client: Redis): Redis {
  const copy: Redis = isCluster(client)
    ? client.duplicate(undefined, { enableOfflineQueue: true })
    : client.duplicate({ enableOfflineQueue: true });
  copy.on('error', () => undefined);
  return copy;
}

/** Whether `client` talks to a Redis Cluster. */
export function isCluster(client: Redis): client is Cluster {
  return client instanceof Cluster;
}

/** Resolves once the client is connected and ready, or rejects after `timeoutMs` with the last error. */
export function waitForRedis(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError = 'no connection';
    const onError = (err: Error) => {
      lastError = err.message;
    };
    const onReady = () => {
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`redis not ready within ${timeoutMs} ms: ${lastError}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
    };
    client.on('ready', onReady);
    client.on('error', onError);
  });
}

/**
 * Gives a new client up to `timeoutMs` to become ready before the process's first reads (a cluster client has no
 * slot map until then, and refuses commands); never throws: an outage at start must not stop the process, its
 * first reads then fail and are retried.
 */
export async function settleRedis(client: Redis, logger: Logger, timeoutMs = 5_000): Promise<void> {
  await waitForRedis(client, timeoutMs).catch((err: Error) =>
    logger.warn({ err: err.message }, 'starting before Redis is ready'),
  );
}

/** QUIT politely, or drop the socket if Redis is unreachable; safe to call twice. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    if (client.status === 'ready') await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}
