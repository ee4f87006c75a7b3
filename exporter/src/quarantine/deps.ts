import { Counter, Gauge, type Registry } from 'prom-client';
import {
  countQuarantined,
  listQuarantined,
  reviewActivity,
  type Logger,
  type Pool,
  type Redis,
  type RedisKeys,
  type ReviewAction,
  type ReviewResult,
} from '@ops-cockpit/core';

/** What the review routes need: the queue, the decision, and what a decision must tell the rest. */
export interface QuarantineDeps {
  list(limit: number): ReturnType<typeof listQuarantined>;
  review(id: number, action: ReviewAction, actor: string): Promise<ReviewResult>;
}

/**
 * The review queue over Postgres, with `ops_quarantine_pending` (counted at scrape time; the alert reads it) and
 * `ops_quarantine_reviews_total{action}`. An approval moves the hourly rollup, so it bumps the heatmap's version
 * as the worker does after a batch: the cached heatmap is read again at once.
 */
export function createQuarantineDeps(opts: {
  pool: Pool;
  redis: Redis;
  keys: RedisKeys;
  registry: Registry;
  logger: Logger;
}): QuarantineDeps {
  const { pool, redis, keys, logger } = opts;
  new Gauge({
    name: 'ops_quarantine_pending',
    help: 'Activities held for review (impossible for their kind): counted nowhere until an operator approves or rejects them.',
    registers: [opts.registry],
    async collect() {
      try {
        this.set(await countQuarantined(pool));
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'quarantine gauge not refreshed');
      }
    },
  });
  const reviews = new Counter({
    name: 'ops_quarantine_reviews_total',
    help: 'Operator decisions on held activities, by action (approve, reject).',
    labelNames: ['action'],
    registers: [opts.registry],
  });
  for (const action of ['approve', 'reject']) reviews.inc({ action }, 0);
  return {
    list: (limit) => listQuarantined(pool, limit),
    async review(id, action, actor) {
      const result = await reviewActivity(pool, id, action, actor);
      if (result.outcome !== 'reviewed') return result;
      reviews.inc({ action });
      if (result.deltaM !== 0) {
        // The decision is committed; a failed bump only leaves the heatmap up to 60 s stale.
        await redis.incr(keys.heatmapVersion).catch((err: Error) => {
          logger.warn({ err: err.message }, 'heatmap version not bumped after a review');
        });
      }
      return result;
    },
  };
}
