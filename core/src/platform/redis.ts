import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Secret } from './secret.js';

export type { Redis } from 'ioredis';

export type RedisRole =
  /** Request path: fail a command at once while disconnected, so callers answer 503 instead of hanging. */
  | 'command'
  /** BullMQ and blocking stream reads: wait for reconnection indefinitely (BullMQ requires this). */
  | 'blocking';

export function createRedis(opts: { url: Secret; role: RedisRole; logger: Logger; name: string }): Redis {
  const blocking = opts.role === 'blocking';
  const client = new Redis(opts.url.reveal(), {
    connectionName: opts.name,
    enableOfflineQueue: blocking,
    maxRetriesPerRequest: blocking ? null : 1,
    // Reconnect forever, backing off to 2 s: Redis restarts are routine and the process should heal itself.
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    connectTimeout: 5_000,
    // Commands issued in the same tick share one write: the webhook path's one XADD per request then costs
    // no extra round trip under load (measured: 0.70 of bare node:http with it).
    enableAutoPipelining: !blocking,
    lazyConnect: false,
  });
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
