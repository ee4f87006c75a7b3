import type { PoolClient } from './pool.js';
import type { Provider } from '../providers.js';

/** An activity as the worker normalises it from any provider. */
export interface ActivityInput {
  provider: Provider;
  externalId: string;
  userId: string;
  type: string;
  distanceM: number;
  movingTimeS: number | null;
  startDate: Date;
  /** Wall-clock start where it happened, `YYYY-MM-DDTHH:MM:SS` (no zone): the heatmap's weekday and hour. */
  startDateLocal: string;
  /** Provider time of the event that produced this state; older events never overwrite newer ones. */
  sourceUpdatedAt: Date;
}

export type WriteOutcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'missing' | 'stale';

export interface WriteResult {
  outcome: WriteOutcome;
  /** Change of the challenge total in metres (create +d, update new − old, delete −d, otherwise 0). */
  deltaM: number;
}

interface Row {
  id: number;
  user_id: string;
  distance_m: string;
  local_date: string;
  local_hour: number;
  source_updated_at: Date | null;
  deleted_at: Date | null;
}

/** A live activity's contribution to the totals and the rollup; null when it contributes nothing. */
interface Contribution {
  distanceM: string;
  localDate: string;
  localHour: number;
}

const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):\d{2}:\d{2}(\.\d+)?$/;

export function parseLocalTime(value: string): { date: string; hour: number } {
  const m = LOCAL_TIME.exec(value);
  if (!m) throw new Error(`local time must be YYYY-MM-DDTHH:MM:SS, got ${JSON.stringify(value)}`);
  return { date: m[1]!, hour: Number(m[2]) };
}

async function lockAndRead(
  client: PoolClient,
  provider: Provider,
  externalId: string,
): Promise<Row | undefined> {
  // Serialise writers of one activity (a create and an update racing in two workers) without table locks.
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${provider}:${externalId}`]);
  const { rows } = await client.query<Row>(
    `SELECT id, user_id, distance_m::text AS distance_m, start_date_local::date::text AS local_date,
            extract(hour FROM start_date_local)::int AS local_hour, source_updated_at, deleted_at
       FROM activities WHERE provider = $1 AND external_id = $2`,
    [provider, externalId],
  );
  return rows[0];
}

function contributionOf(row: Row | undefined): Contribution | null {
  if (!row || row.deleted_at) return null;
  return { distanceM: row.distance_m, localDate: row.local_date, localHour: row.local_hour };
}

/**
 * Moves the challenge total and the hourly rollup from `before` to `after` (either may be null), in the
 * caller's transaction. Numeric arithmetic in SQL keeps the total exact. Returns the delta in metres.
 */
async function applyContribution(
  client: PoolClient,
  before: Contribution | null,
  after: Contribution | null,
): Promise<number> {
  const minus = before?.distanceM ?? '0';
  const plus = after?.distanceM ?? '0';
  const countDelta = (after ? 1 : 0) - (before ? 1 : 0);
  const { rows } = await client.query<{ delta: string }>(
    `UPDATE global_stats
        SET total_meters = total_meters + $1::numeric - $2::numeric,
            activity_count = activity_count + $3, updated_at = now()
      WHERE id = 1
      RETURNING ($1::numeric - $2::numeric)::text AS delta`,
    [plus, minus, countDelta],
  );
  if (before) {
    await client.query(
      `UPDATE activity_hourly SET activity_count = activity_count - 1, distance_m = distance_m - $3::numeric
        WHERE local_date = $1 AND local_hour = $2`,
      [before.localDate, before.localHour, before.distanceM],
    );
  }
  if (after) {
    await client.query(
      `INSERT INTO activity_hourly (local_date, local_hour, activity_count, distance_m) VALUES ($1, $2, 1, $3)
       ON CONFLICT (local_date, local_hour) DO UPDATE
         SET activity_count = activity_hourly.activity_count + 1,
             distance_m = activity_hourly.distance_m + excluded.distance_m`,
      [after.localDate, after.localHour, after.distanceM],
    );
  }
  return Number(rows[0]?.delta ?? 0);
}

async function refreshLastActivity(client: PoolClient, userId: string): Promise<void> {
  await client.query(
    `UPDATE users SET last_activity_at =
       (SELECT max(start_date) FROM activities WHERE user_id = $1 AND deleted_at IS NULL)
     WHERE id = $1`,
    [userId],
  );
}

/**
 * Creates or updates an activity, and in the same transaction (the caller's) moves the challenge total, the
 * heatmap rollup and the user's last activity by exactly the change. Idempotent: the same input twice changes
 * nothing the second time. An input older than what is stored (or than its deletion) is ignored as stale.
 */
export async function upsertActivity(client: PoolClient, input: ActivityInput): Promise<WriteResult> {
  const local = parseLocalTime(input.startDateLocal);
  const distance = input.distanceM.toFixed(3);
  const row = await lockAndRead(client, input.provider, input.externalId);
  if (row?.source_updated_at && row.source_updated_at > input.sourceUpdatedAt) {
    return { outcome: 'stale', deltaM: 0 };
  }
  if (
    row &&
    !row.deleted_at &&
    row.user_id === input.userId &&
    Number(row.distance_m) === Number(distance) &&
    row.local_date === local.date &&
    row.local_hour === local.hour
  ) {
    await client.query(
      `UPDATE activities SET type = $2, moving_time_s = $3, start_date = $4, start_date_local = $5,
              source_updated_at = $6, updated_at = now() WHERE id = $1`,
      [row.id, input.type, input.movingTimeS, input.startDate, input.startDateLocal, input.sourceUpdatedAt],
    );
    await refreshLastActivity(client, input.userId);
    return { outcome: 'unchanged', deltaM: 0 };
  }
  await client.query(
    `INSERT INTO activities (user_id, provider, external_id, type, distance_m, moving_time_s, start_date,
                             start_date_local, source_updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (provider, external_id) DO UPDATE
       SET user_id = excluded.user_id, type = excluded.type, distance_m = excluded.distance_m,
           moving_time_s = excluded.moving_time_s, start_date = excluded.start_date,
           start_date_local = excluded.start_date_local, source_updated_at = excluded.source_updated_at,
           deleted_at = NULL, updated_at = now()`,
    [
      input.userId,
      input.provider,
      input.externalId,
      input.type,
      distance,
      input.movingTimeS,
      input.startDate,
      input.startDateLocal,
      input.sourceUpdatedAt,
    ],
  );
  const deltaM = await applyContribution(client, contributionOf(row), {
    distanceM: distance,
    localDate: local.date,
    localHour: local.hour,
  });
  if (row && row.user_id !== input.userId) await refreshLastActivity(client, row.user_id);
  await refreshLastActivity(client, input.userId);
  return { outcome: row && !row.deleted_at ? 'updated' : 'created', deltaM };
}

/**
 * Soft-deletes an activity and takes its distance out of the totals, in the caller's transaction. A delete for
 * an activity not stored yet (its create is still being fetched) leaves a tombstone when the owner is known, so
 * that create, older than the delete, is refused as stale instead of bringing the activity back.
 */
export async function deleteActivity(
  client: PoolClient,
  provider: Provider,
  externalId: string,
  at: Date,
  ownerUserId?: string,
): Promise<WriteResult> {
  const row = await lockAndRead(client, provider, externalId);
  if (!row) {
    if (ownerUserId) {
      await client.query(
        `INSERT INTO activities (user_id, provider, external_id, distance_m, start_date, start_date_local,
                                 source_updated_at, deleted_at)
         VALUES ($1, $2, $3, 0, $4, $4::timestamptz AT TIME ZONE 'UTC', $4, now())`,
        [ownerUserId, provider, externalId, at],
      );
    }
    return { outcome: 'missing', deltaM: 0 };
  }
  if (row.deleted_at) return { outcome: 'unchanged', deltaM: 0 };
  if (row.source_updated_at && row.source_updated_at > at) return { outcome: 'stale', deltaM: 0 };
  await client.query(
    'UPDATE activities SET deleted_at = now(), source_updated_at = $2, updated_at = now() WHERE id = $1',
    [row.id, at],
  );
  const deltaM = await applyContribution(client, contributionOf(row), null);
  await refreshLastActivity(client, row.user_id);
  return { outcome: 'deleted', deltaM };
}

/** Runs `fn` in a transaction on a pooled client; rolls back on any error. */
export async function inTransaction<T>(
  pool: { connect(): Promise<PoolClient> },
  fn: (c: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
