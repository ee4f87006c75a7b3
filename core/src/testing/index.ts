import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Secret } from '../platform/secret.js';
import { createPool, dropDatabase, ensureDatabase, type Pool } from '../platform/pool.js';
import { migrate } from '../platform/migrate.js';
import {
  closeRedis,
  createRedis,
  isCluster,
  waitForRedis,
  type Redis,
  type StandaloneRedis,
} from '../platform/redis.js';

/**
 * Test support shared by every workspace: each test file gets its own Postgres database and Redis key prefix
 * on the machine's real servers, and removes them afterwards, so runs (and CI beside a developer) never meet.
 */

export const TEST_PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const silentLogger = pino({ level: 'silent' });

export function uniqueName(label: string): string {
  return `ops_t_${label}_${process.pid}_${randomBytes(4).toString('hex')}`.toLowerCase();
}

export function databaseUrlFor(name: string): Secret {
  const url = new URL(TEST_PG_BASE);
  url.pathname = `/${name}`;
  return new Secret(url.toString());
}

export interface TestDatabase {
  name: string;
  url: Secret;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh, migrated database; `drop()` ends the pool and removes it. */
export async function createTestDatabase(
  label = 'db',
  opts: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const name = uniqueName(label);
  const url = databaseUrlFor(name);
  await ensureDatabase(url);
  const pool = createPool({ url, max: 5, logger: silentLogger, applicationName: `test-${label}` });
  if (opts.migrate !== false) await migrate(pool);
  let dropped = false;
  return {
    name,
    url,
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end();
      await dropDatabase(url);
    },
  };
}

export interface TestRedis {
  prefix: string;
  url: Secret;
  redis: StandaloneRedis;
  close(): Promise<void>;
}

/** A Redis client plus a unique key prefix; `close()` deletes every key under the prefix. */
export async function createTestRedis(label = 'r'): Promise<TestRedis> {
  const prefix = uniqueName(label);
  const url = new Secret(TEST_REDIS_URL);
  const redis = createRedis({ url, role: 'command', logger: silentLogger, name: `test-${label}` });
  await waitForRedis(redis, 5_000);
  let closed = false;
  return {
    prefix,
    url,
    redis,
    async close() {
      if (closed) return;
      closed = true;
      await deleteKeys(redis, `${prefix}:*`);
      await closeRedis(redis);
    },
  };
}

/** Deletes the keys matching `pattern`; on a cluster, those of every master, one key per UNLINK. */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  if (isCluster(redis)) {
    let deleted = 0;
    for (const node of redis.nodes('master')) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        for (const key of keys) deleted += await redis.unlink(key);
      } while (cursor !== '0');
    }
    return deleted;
  }
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Resolves when `predicate` returns truthy, polling every `intervalMs`; rejects with `what` after `timeoutMs`. */
export async function waitFor<T>(
  predicate: () => Promise<T> | T,
  what: string,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}
export * from './process.js';
export * from './redis-server.js';
export * from './redis-cluster.js';
export * from './postgres-server.js';
export * from './smtp.js';
export * from './event-stream.js';
