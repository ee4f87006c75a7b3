import {
  RETENTION_TARGETS,
  inTransaction,
  type Logger,
  type Pool,
  type Redis,
  type RedisKeys,
  type RetentionTarget,
} from '@ops-cockpit/core';
import type { WorkerMetrics } from '../metrics.js';
import { cutoffOf, type RetentionPolicy } from './retention-policy.js';

type RetainedTable = Exclude<RetentionTarget, 'ingest_dead_letter'>;

/**
 * One batch of each table: at most $2 rows strictly before $1, oldest first, picked through an index on the
 * retention column (001's, or 007's partial ones) and deleted by their row addresses (a TID scan: with
 * `id IN (…)` a generic plan scans the whole table for them). SKIP LOCKED passes over rows a writer holds (an
 * incident being acknowledged, a rollup cell an ingest batch is moving) instead of waiting: they go on a later
 * run. Only resolved incidents (resolved_at < $1 is never true of NULL) and only settled nudges: open,
 * acknowledged and queued ones are live state.
 */
const BATCH_SQL = {
  provider_health_logs: `DELETE FROM provider_health_logs WHERE ctid = ANY(ARRAY(
      SELECT ctid FROM provider_health_logs WHERE "timestamp" < $1::timestamptz
       ORDER BY "timestamp" LIMIT $2 FOR UPDATE SKIP LOCKED))`,
  incidents: `DELETE FROM incidents WHERE ctid = ANY(ARRAY(
      SELECT ctid FROM incidents WHERE resolved_at < $1::timestamptz
       ORDER BY resolved_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
  nudges: `DELETE FROM nudges WHERE ctid = ANY(ARRAY(
      SELECT ctid FROM nudges WHERE status IN ('sent', 'failed') AND created_at < $1::timestamptz
       ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
  chaos_events: `DELETE FROM chaos_events WHERE ctid = ANY(ARRAY(
      SELECT ctid FROM chaos_events WHERE created_at < $1::timestamptz
       ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
  activity_hourly: `DELETE FROM activity_hourly WHERE ctid = ANY(ARRAY(
      SELECT ctid FROM activity_hourly WHERE local_date < $1::date
       ORDER BY local_date, local_hour LIMIT $2 FOR UPDATE SKIP LOCKED))`,
} as const satisfies Record<RetainedTable, string>;

/**
 * Each batch is its own transaction, bounded both ways: it gives up after LOCK_TIMEOUT_MS rather than queue
 * behind a migration's table lock (and make every writer queue behind it in turn), and after
 * STATEMENT_TIMEOUT_MS whatever happens; the job fails, and BullMQ retries it.
 */
export const LOCK_TIMEOUT_MS = 1_000;
export const STATEMENT_TIMEOUT_MS = 30_000;

/** Rows of `table` before `cutoff`, removed `batchSize` at a time; `onBatch` hears each committed batch. */
export async function pruneTable(
  pool: Pool,
  table: RetainedTable,
  cutoff: string,
  batchSize: number,
  onBatch: (removed: number) => void,
): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await inTransaction(pool, async (client) => {
      await client.query(
        `SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)`,
        [`${LOCK_TIMEOUT_MS}ms`, `${STATEMENT_TIMEOUT_MS}ms`],
      );
      return (await client.query(BATCH_SQL[table], [cutoff, batchSize])).rowCount ?? 0;
    });
    if (removed > 0) onBatch(removed);
    total += removed;
    if (removed < batchSize) return total;
  }
}

/**
 * Dead letters before `cutoff` (epoch ms): their stream ids are the time they were dead-lettered, so an exact
 * XTRIM MINID removes precisely the older ones. One command: the stream is capped (~100,000 entries) on append.
 */
export async function trimDeadLetters(
  redis: Redis,
  keys: Pick<RedisKeys, 'ingestDeadLetter'>,
  cutoff: string,
): Promise<number> {
  return redis.xtrim(keys.ingestDeadLetter, 'MINID', cutoff);
}

export interface RetentionDeps {
  pool: Pool;
  redis: Redis;
  keys: Pick<RedisKeys, 'ingestDeadLetter'>;
  policy: RetentionPolicy;
  batchSize: number;
  metrics: Pick<WorkerMetrics, 'rowsRemoved' | 'retentionApplied'>;
  logger: Logger;
}

/**
 * Applies the whole policy as of `now`. A target that fails (a lock timeout, Redis away) does not stop the
 * others; the run then throws, naming them, so the job is retried and shows as failed if it keeps failing.
 */
export async function applyRetention(
  deps: RetentionDeps,
  now: Date = new Date(),
): Promise<Record<RetentionTarget, number>> {
  const removed = Object.fromEntries(RETENTION_TARGETS.map((t) => [t, 0])) as Record<RetentionTarget, number>;
  const failed: string[] = [];
  for (const target of RETENTION_TARGETS) {
    const cutoff = cutoffOf(target, deps.policy[target], now);
    const count = (n: number) => {
      removed[target] += n;
      deps.metrics.rowsRemoved.inc({ table: target }, n);
    };
    try {
      if (cutoff === undefined) {
        // Kept forever: nothing to do, and nothing overdue either.
      } else if (target === 'ingest_dead_letter') {
        count(await trimDeadLetters(deps.redis, deps.keys, cutoff));
      } else {
        await pruneTable(deps.pool, target, cutoff, deps.batchSize, count);
      }
      deps.metrics.retentionApplied.set({ table: target }, Date.now() / 1000);
    } catch (err) {
      failed.push(`${target}: ${(err as Error).message}`);
      deps.logger.warn({ table: target, cutoff, err: (err as Error).message }, 'retention not applied');
    }
  }
  deps.logger.info({ removed }, 'retention applied');
  if (failed.length) throw new Error(`retention failed for ${failed.join('; ')}`);
  return removed;
}
