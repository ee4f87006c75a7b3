import type { Pool, Redis, RedisKeys } from '@ops-cockpit/core';
import type { NudgeQueue } from './queue.js';

/** What the quiet-list and nudge routes need. */
export interface NudgesDeps {
  pool: Pool;
  redis: Redis;
  keys: RedisKeys;
  queue: NudgeQueue;
  /** NUDGE_COOLDOWN_HOURS. */
  cooldownHours: number;
}
