import { Queue } from 'bullmq';
import { Registry } from 'prom-client';
import {
  HEATMAP_DAYS,
  RETENTION_TARGETS,
  createRedisKeys,
  deleteActivity,
  inTransaction,
  markNudgeSent,
  recomputeChallenge,
  requestNudge,
  upsertActivity,
  createRedis,
  closeRedis,
  type RedisKeys,
} from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  silentLogger,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { createWorkerMetrics, type WorkerMetrics } from '../src/metrics.js';
import { applyRetention, LOCK_TIMEOUT_MS, pruneTable } from '../src/housekeeping/retention.js';
import { cutoffOf, type RetentionPolicy } from '../src/housekeeping/retention-policy.js';
import { ensureHousekeepingSchedules, LEGACY_PRUNE_SCHEDULER } from '../src/schedules.js';

const DAY_MS = 86_400_000;
/** Every run of a test is "now" at this instant: rows are placed relative to it, so nothing races the clock. */
const NOW = new Date('2026-07-15T12:34:56.789Z');
const POLICY: RetentionPolicy = {
  provider_health_logs: 7,
  incidents: 90,
  nudges: 90,
  chaos_events: 90,
  activity_hourly: 30,
  ingest_dead_letter: 14,
};
const KEEP_FOREVER = Object.fromEntries(RETENTION_TARGETS.map((t) => [t, 0])) as RetentionPolicy;

let db: TestDatabase;
let t: TestRedis;
let keys: RedisKeys;
let metrics: WorkerMetrics;
let userId: string;

beforeAll(async () => {
  db = await createTestDatabase('hk');
  t = await createTestRedis('hk');
  keys = createRedisKeys(t.prefix);
  userId = (await db.pool.query(`INSERT INTO users (name) VALUES ('Ada') RETURNING id`)).rows[0].id;
});
afterAll(async () => {
  await db?.drop();
  await t?.close();
});
beforeEach(async () => {
  await db.pool.query(
    'TRUNCATE provider_health_logs, incidents, nudges, chaos_events, activity_hourly, activities CASCADE',
  );
  await db.pool.query('UPDATE users SET last_nudge_at = NULL');
  await db.pool.query('UPDATE global_stats SET total_meters = 0, activity_count = 0');
  await t.redis.del(keys.ingestDeadLetter);
  metrics = createWorkerMetrics(new Registry(), {
    jobCounts: async () => ({}),
    ingestPending: async () => 0,
  });
});

function retain(policy: RetentionPolicy = POLICY, batchSize = 1_000, now = NOW) {
  return applyRetention(
    { pool: db.pool, redis: t.redis, keys, policy, batchSize, metrics, logger: silentLogger },
    now,
  );
}

/** The instant `days` before NOW, moved by `ms`. */
const daysAgo = (days: number, ms = 0) => new Date(NOW.getTime() - days * DAY_MS + ms);
const FAR_PAST = new Date('2001-01-01T00:00:00Z');

async function removedMetric(): Promise<Record<string, number>> {
  const { values } = await metrics.rowsRemoved.get();
  return Object.fromEntries(values.map((v) => [v.labels.table, v.value]));
}

/** The `v` column of a query's rows. */
async function column(query: Promise<{ rows: { v: string }[] }>): Promise<string[]> {
  return (await query).rows.map((r) => r.v);
}

describe('cutoffs', () => {
  it('are days × 24 h before now for the tables, UTC dates for the rollup, stream ids for dead letters', () => {
    expect(cutoffOf('incidents', 90, NOW)).toBe('2026-04-16T12:34:56.789Z');
    expect(cutoffOf('activity_hourly', 30, NOW)).toBe('2026-06-15');
    expect(cutoffOf('ingest_dead_letter', 14, NOW)).toBe(String(NOW.getTime() - 14 * DAY_MS));
    for (const target of RETENTION_TARGETS) expect(cutoffOf(target, 0, NOW)).toBeUndefined();
  });
});

describe('each table keeps what is just inside its retention and loses what is just outside', () => {
  it('provider health logs, by timestamp', async () => {
    await db.pool.query(
      `INSERT INTO provider_health_logs (provider, status, latency_ms, "timestamp")
       VALUES ('strava', 'success', 100, $1), ('garmin', 'error', NULL, $2)`,
      [daysAgo(7), daysAgo(7, -1)],
    );
    expect((await retain()).provider_health_logs).toBe(1);
    expect(await column(db.pool.query('SELECT provider AS v FROM provider_health_logs'))).toEqual(['strava']);
  });

  it('incidents: resolved ones by resolved_at; open and acknowledged ones never, however old', async () => {
    await db.pool.query(
      `INSERT INTO incidents (message, level, source, fingerprint, started_at, acknowledged_at, resolved_at)
       VALUES ('inside', 'warn', 'backend', 'a', $3, NULL, $1),
              ('outside', 'warn', 'backend', 'b', $3, $3, $2),
              ('open', 'critical', 'alertmanager', 'c', $3, NULL, NULL),
              ('acknowledged', 'error', 'probe', 'd', $3, $3, NULL)`,
      [daysAgo(90), daysAgo(90, -1), FAR_PAST],
    );
    expect((await retain()).incidents).toBe(1);
    expect(await column(db.pool.query('SELECT message AS v FROM incidents ORDER BY message'))).toEqual([
      'acknowledged',
      'inside',
      'open',
    ]);
  });

  it('nudges: sent and failed ones by created_at; queued ones never', async () => {
    await db.pool.query(
      `INSERT INTO nudges (user_id, channel, status, requested_by, created_at)
       VALUES ($1, 'email', 'sent', 'inside', $2), ($1, 'email', 'sent', 'outside-sent', $3),
              ($1, 'sms', 'failed', 'outside-failed', $3), ($1, 'sms', 'queued', 'queued', $4)`,
      [userId, daysAgo(90), daysAgo(90, -1), FAR_PAST],
    );
    expect((await retain()).nudges).toBe(2);
    expect(await column(db.pool.query('SELECT requested_by AS v FROM nudges ORDER BY 1'))).toEqual([
      'inside',
      'queued',
    ]);
  });

  it('chaos events, by created_at', async () => {
    await db.pool.query(
      `INSERT INTO chaos_events (action, actor, created_at) VALUES ('clear', 'inside', $1), ('set', 'outside', $2)`,
      [daysAgo(90), daysAgo(90, -1)],
    );
    expect((await retain()).chaos_events).toBe(1);
    expect(await column(db.pool.query('SELECT actor AS v FROM chaos_events'))).toEqual(['inside']);
  });

  it('hourly rollup cells, by local date: the cutoff date stays whole, the day before goes whole', async () => {
    await db.pool.query(
      `INSERT INTO activity_hourly (local_date, local_hour, activity_count, distance_m)
       VALUES ('2026-06-15', 0, 1, 10), ('2026-06-14', 23, 2, 20), ('2026-06-14', 0, 3, 30), ('2026-07-15', 12, 4, 40)`,
    );
    expect((await retain()).activity_hourly).toBe(2);
    expect(
      await column(
        db.pool.query(`SELECT local_date::text || ' ' || local_hour AS v FROM activity_hourly ORDER BY 1`),
      ),
    ).toEqual(['2026-06-15 0', '2026-07-15 12']);
  });

  it('dead letters, by the time in their stream id (XTRIM MINID)', async () => {
    const cutoff = NOW.getTime() - 14 * DAY_MS;
    for (const id of [`${cutoff - 1}-0`, `${cutoff - 1}-7`, `${cutoff}-0`, `${cutoff + DAY_MS}-0`]) {
      await t.redis.xadd(keys.ingestDeadLetter, id, 'reason', 'test');
    }
    expect((await retain()).ingest_dead_letter).toBe(2);
    const left = await t.redis.xrange(keys.ingestDeadLetter, '-', '+');
    expect(left.map(([id]) => id)).toEqual([`${cutoff}-0`, `${cutoff + DAY_MS}-0`]);
  });
});

describe('a run', () => {
  it('deletes in batches of at most batchSize, each its own statement', async () => {
    await db.pool.query(
      `INSERT INTO provider_health_logs (provider, status, latency_ms, "timestamp")
       SELECT 'strava', 'success', 100, $1::timestamptz - make_interval(secs => g) FROM generate_series(1, 25) g`,
      [daysAgo(7)],
    );
    const batches: number[] = [];
    const cutoff = cutoffOf('provider_health_logs', 7, NOW)!;
    expect(await pruneTable(db.pool, 'provider_health_logs', cutoff, 10, (n) => batches.push(n))).toBe(25);
    expect(batches).toEqual([10, 10, 5]);
  });

  it('counts exactly the rows it removed, per table, and when each table was last done', async () => {
    await db.pool.query(
      `INSERT INTO provider_health_logs (provider, status, latency_ms, "timestamp")
       SELECT 'strava', 'success', 100, $1::timestamptz - make_interval(mins => g) FROM generate_series(1, 7) g`,
      [daysAgo(7)],
    );
    await db.pool.query(
      `INSERT INTO chaos_events (action, actor, created_at) SELECT 'set', 'x', $1 FROM generate_series(1, 3)`,
      [daysAgo(100)],
    );
    await t.redis.xadd(keys.ingestDeadLetter, `${daysAgo(15).getTime()}-0`, 'reason', 'old');
    const before = Date.now() / 1000;
    const expected = {
      provider_health_logs: 7,
      incidents: 0,
      nudges: 0,
      chaos_events: 3,
      activity_hourly: 0,
      ingest_dead_letter: 1,
    };
    expect(await retain(POLICY, 3)).toEqual(expected);
    expect(await removedMetric()).toEqual(expected);
    // Nothing left to remove: the counters stay where they are.
    await retain(POLICY, 3);
    expect(await removedMetric()).toEqual(expected);
    const { values } = await metrics.retentionApplied.get();
    expect(values.map((v) => v.labels.table).sort()).toEqual([...RETENTION_TARGETS].sort());
    for (const v of values) expect(v.value).toBeGreaterThanOrEqual(before);
  });

  it('removes nothing of a table kept forever (0), however old', async () => {
    await db.pool.query(
      `INSERT INTO provider_health_logs (provider, status, "timestamp") VALUES ('strava', 'success', $1)`,
      [FAR_PAST],
    );
    await db.pool.query(
      `INSERT INTO activity_hourly (local_date, local_hour, activity_count) VALUES ('2001-01-01', 5, 1)`,
    );
    await t.redis.xadd(keys.ingestDeadLetter, '1000-0', 'reason', 'ancient');
    expect(Object.values(await retain(KEEP_FOREVER)).every((n) => n === 0)).toBe(true);
    const { rows } = await db.pool.query(
      `SELECT (SELECT count(*) FROM provider_health_logs)::int AS logs, (SELECT count(*) FROM activity_hourly)::int AS cells`,
    );
    expect(rows[0]).toEqual({ logs: 1, cells: 1 });
    expect(await t.redis.xlen(keys.ingestDeadLetter)).toBe(1);
  });

  it('gives up on a table it cannot lock within the lock timeout, still does the others, then fails', async () => {
    await db.pool.query(`INSERT INTO chaos_events (action, actor, created_at) VALUES ('set', 'old', $1)`, [
      daysAgo(100),
    ]);
    await db.pool.query(
      `INSERT INTO provider_health_logs (provider, status, "timestamp") VALUES ('strava', 'success', $1)`,
      [daysAgo(8)],
    );
    // What a migration building an index holds: writes wait for it.
    const blocker = await db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE chaos_events IN SHARE MODE');
      const started = Date.now();
      await expect(retain()).rejects.toThrow(/retention failed for chaos_events: .*lock timeout/);
      expect(Date.now() - started).toBeLessThan(LOCK_TIMEOUT_MS + 4_000);
      await blocker.query('ROLLBACK');
    } finally {
      blocker.release();
    }
    expect(await removedMetric()).toMatchObject({ provider_health_logs: 1, chaos_events: 0 });
    expect(await column(db.pool.query('SELECT actor AS v FROM chaos_events'))).toEqual(['old']);
    const applied = (await metrics.retentionApplied.get()).values.map((v) => v.labels.table);
    expect(applied).not.toContain('chaos_events');
    expect((await retain()).chaos_events).toBe(1);
  });
});

describe('what reads the retained tables', () => {
  it('the heatmap: at the floor, no cell it reads goes, whatever the session time zone', async () => {
    // Real now: the heatmap compares with Postgres's current_date. Cells from 12 UTC dates back to 2 ahead.
    await db.pool.query(
      `INSERT INTO activity_hourly (local_date, local_hour, activity_count)
       SELECT (now() AT TIME ZONE 'UTC')::date + d, 12, 1 FROM generate_series(-12, 2) d`,
    );
    const visible = async () => {
      const counts: number[] = [];
      for (const zone of ['Pacific/Kiritimati', 'UTC', 'Etc/GMT+12']) {
        const { rows } = await inTransaction(db.pool, async (c) => {
          await c.query(`SELECT set_config('TimeZone', $1, true)`, [zone]);
          // The exporter's heatmap condition (exporter/src/ops-data.ts).
          return c.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM activity_hourly
              WHERE local_date > current_date - $1::int AND activity_count > 0`,
            [HEATMAP_DAYS],
          );
        });
        counts.push(rows[0]!.n);
      }
      return counts;
    };
    const before = await visible();
    const removed = await retain({ ...KEEP_FOREVER, activity_hourly: HEATMAP_DAYS }, 1_000, new Date());
    expect(removed.activity_hourly).toBeGreaterThan(0);
    expect(await visible()).toEqual(before);
  });

  it('a late delete of an activity whose cell was pruned leaves a negative cell the heatmap never reads, removed next run', async () => {
    const activity = {
      provider: 'garmin' as const,
      externalId: 'old-1',
      userId,
      type: 'RUNNING',
      distanceM: 5_000,
      movingTimeS: 1_800,
      startDate: new Date('2026-05-01T07:00:00Z'),
      startDateLocal: '2026-05-01T07:00:00',
      sourceUpdatedAt: new Date('2026-05-01T08:00:00Z'),
    };
    await inTransaction(db.pool, (c) => upsertActivity(c, activity));
    expect((await retain()).activity_hourly).toBe(1);
    await inTransaction(db.pool, (c) =>
      deleteActivity(c, 'garmin', 'old-1', new Date('2026-07-01T00:00:00Z')),
    );
    const cell = `SELECT activity_count::text || ' ' || distance_m::text AS v FROM activity_hourly
                   WHERE local_date = '2026-05-01' AND local_hour = 7`;
    // Below the cutoff: outside the heatmap's window, and not counted by it (activity_count > 0) in any case.
    expect(await column(db.pool.query(cell))).toEqual(['-1 -5000.000']);
    expect(cutoffOf('activity_hourly', POLICY.activity_hourly, NOW)! > '2026-05-01').toBe(true);
    expect((await retain()).activity_hourly).toBe(1);
    expect(await column(db.pool.query(cell))).toEqual([]);
    // The challenge total never read the rollup: unaffected.
    expect(await recomputeChallenge(db.pool)).toBe(0);
  });

  it('the nudge cooldown: a sent nudge pruned before the cooldown ends still holds it (users.last_nudge_at)', async () => {
    const created = await requestNudge(db.pool, {
      userId,
      channel: 'email',
      requestedBy: 'op',
      cooldownHours: 24,
    });
    if (created.kind !== 'created') throw new Error(`expected a nudge, got ${created.kind}`);
    await markNudgeSent(db.pool, created.nudgeId, 1);
    // Sent 10 days ago; kept 7 days (the floor) while the cooldown is 30 days.
    await db.pool.query(
      `UPDATE nudges SET created_at = now() - interval '10 days', sent_at = now() - interval '10 days'`,
    );
    await db.pool.query(`UPDATE users SET last_nudge_at = now() - interval '10 days' WHERE id = $1`, [
      userId,
    ]);
    expect((await retain({ ...KEEP_FOREVER, nudges: 7 }, 1_000, new Date())).nudges).toBe(1);
    const again = await requestNudge(db.pool, {
      userId,
      channel: 'email',
      requestedBy: 'op',
      cooldownHours: 30 * 24,
    });
    expect(again).toMatchObject({ kind: 'cooling-down' });
    const days = again.kind === 'cooling-down' ? again.retryAfterSeconds / 86_400 : 0;
    expect(days).toBeGreaterThan(19.9);
    expect(days).toBeLessThanOrEqual(20);
  });
});

describe('schedules', () => {
  it('run apply-retention hourly and remove the probe-log scheduler an older version left', async () => {
    const connection = createRedis({ url: t.url, role: 'blocking', logger: silentLogger, name: 'test-hk' });
    const queue = new Queue('housekeeping', { connection, prefix: keys.bullPrefix });
    try {
      await queue.upsertJobScheduler(
        LEGACY_PRUNE_SCHEDULER,
        { every: 3_600_000 },
        {
          name: 'prune-probe-logs',
          data: { olderThanDays: 7 },
        },
      );
      await ensureHousekeepingSchedules(queue);
      await ensureHousekeepingSchedules(queue);
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual(['apply-retention', 'recompute-challenge']);
      expect(schedulers.find((s) => s.key === 'apply-retention')).toMatchObject({ every: 3_600_000 });
    } finally {
      await queue.close();
      await closeRedis(connection);
    }
  });
});

it('recomputes the challenge total from live activities and reports the drift it corrected', async () => {
  await inTransaction(db.pool, (c) =>
    upsertActivity(c, {
      provider: 'garmin',
      externalId: 'drift-1',
      userId,
      type: 'RUNNING',
      distanceM: 1609.344,
      movingTimeS: 600,
      startDate: new Date(),
      startDateLocal: '2026-06-01T07:00:00',
      sourceUpdatedAt: new Date(),
    }),
  );
  expect(await recomputeChallenge(db.pool)).toBe(0);
  // Someone edits the total by hand: two miles too many.
  await db.pool.query('UPDATE global_stats SET total_meters = total_meters + 3218.688');
  expect(await recomputeChallenge(db.pool)).toBe(3218.688);
  const { rows } = await db.pool.query('SELECT total_miles::float AS miles FROM global_stats');
  expect(rows[0].miles).toBe(1);
});
