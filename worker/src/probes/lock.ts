import { randomUUID } from 'node:crypto';
import type { Redis } from '@ops-cockpit/core';

// Deletes the lock only if it is still ours: after an expiry another holder may own the key.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Runs `fn` while holding a Redis lock on `key` (SET NX PX), or returns undefined at once when someone else holds
 * it. `ttlMs` must outlast `fn`: the probe bounds itself by its timeout, so the lock expires only if the holder
 * died, never under a live probe.
 */
export async function withLock<T>(
  redis: Redis,
  key: string,
  ttlMs: number,
  fn: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  const token = randomUUID();
  const got = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (got !== 'OK') return { ran: false };
  try {
    return { ran: true, value: await fn() };
  } finally {
    await redis.eval(RELEASE, 1, key, token);
  }
}
