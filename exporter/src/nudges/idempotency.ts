import type { NudgeChannel, Redis, RedisKeys } from '@ops-cockpit/core';

/** What a nudge request with an Idempotency-Key answered, kept 24 h so a retry gets the same answer. */
export interface StoredNudgeAnswer {
  nudgeId: string;
  userId: string;
  channel: NudgeChannel;
}

export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export function nudgeIdempotency(redis: Redis, keys: RedisKeys) {
  const key = (k: string) => keys.idempotency('nudge', k);
  return {
    async get(idempotencyKey: string): Promise<StoredNudgeAnswer | undefined> {
      const raw = await redis.get(key(idempotencyKey));
      return raw === null ? undefined : (JSON.parse(raw) as StoredNudgeAnswer);
    },
    async put(idempotencyKey: string, answer: StoredNudgeAnswer): Promise<void> {
      // NX: the first answer stands. nudges.idempotency_key UNIQUE settles it if Redis loses the key.
      await redis.set(key(idempotencyKey), JSON.stringify(answer), 'EX', IDEMPOTENCY_TTL_SECONDS, 'NX');
    },
  };
}
