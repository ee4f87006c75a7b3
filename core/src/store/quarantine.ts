import type { Pool } from '../platform/pool.js';
import { inTransaction } from '../platform/transaction.js';
import { activityCategory, type ActivityCategory } from '../contracts/plausibility.js';
import type { Provider } from '../contracts/providers.js';
import {
  ActivityDeltas,
  STORED_ACTIVITY_COLUMNS,
  activityLockKey,
  contributionOf,
  type Review,
  type StoredActivity,
} from './activities.js';

/** An activity held for review, as the review queue shows it. */
export interface QuarantinedActivity {
  id: number;
  provider: Provider;
  externalId: string;
  userId: string;
  userName: string;
  type: string;
  category: ActivityCategory;
  distanceM: number;
  movingTimeS: number | null;
  startDate: string;
  reason: string;
  /** When the activity was last written (held since then). */
  heldSince: string;
}

/** The review queue, oldest first, and how many are waiting in all. */
export async function listQuarantined(
  pool: Pool,
  limit: number,
): Promise<{ total: number; activities: QuarantinedActivity[] }> {
  const [{ rows }, count] = await Promise.all([
    pool.query<{
      id: string;
      provider: Provider;
      external_id: string;
      user_id: string;
      user_name: string;
      type: string;
      distance_m: string;
      moving_time_s: number | null;
      start_date: Date;
      quarantine_reason: string | null;
      updated_at: Date;
    }>(
      `SELECT a.id, a.provider, a.external_id, a.user_id, u.name AS user_name, a.type, a.distance_m::text,
              a.moving_time_s, a.start_date, a.quarantine_reason, a.updated_at
         FROM activities a JOIN users u ON u.id = a.user_id
        WHERE a.review = 'quarantined' AND a.deleted_at IS NULL
        ORDER BY a.updated_at, a.id
        LIMIT $1`,
      [limit],
    ),
    countQuarantined(pool),
  ]);
  return {
    total: count,
    activities: rows.map((r) => ({
      id: Number(r.id),
      provider: r.provider,
      externalId: r.external_id,
      userId: r.user_id,
      userName: r.user_name,
      type: r.type,
      category: activityCategory(r.type),
      distanceM: Number(r.distance_m),
      movingTimeS: r.moving_time_s,
      startDate: r.start_date.toISOString(),
      reason: r.quarantine_reason ?? '',
      heldSince: r.updated_at.toISOString(),
    })),
  };
}

/** Activities awaiting review (the gauge ops_quarantine_pending and the alert on it read this). */
export async function countQuarantined(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM activities WHERE review = 'quarantined' AND deleted_at IS NULL`,
  );
  return rows[0]?.n ?? 0;
}

export type ReviewAction = 'approve' | 'reject';

export type ReviewResult =
  | { outcome: 'reviewed'; id: number; review: Review; deltaM: number; reviewedBy: string }
  | { outcome: 'not_found' }
  /** Not awaiting review: reviewed already, deleted since, or never held. */
  | { outcome: 'not_quarantined'; review: Review | 'deleted' };

/**
 * An operator's decision on a quarantined activity, in one transaction: approving counts it from now on (the
 * challenge total, the hourly rollup and the user's last activity move by exactly its contribution), rejecting
 * leaves it out for good; either way the decision is recorded in activity_reviews with what it moved. Holds the
 * activity's write lock, so a provider update of the same activity applies before or after, never in between.
 */
export async function reviewActivity(
  pool: Pool,
  id: number,
  action: ReviewAction,
  actor: string,
): Promise<ReviewResult> {
  return inTransaction(pool, async (client) => {
    const key = await client.query<{ provider: Provider; external_id: string }>(
      'SELECT provider, external_id FROM activities WHERE id = $1',
      [id],
    );
    const found = key.rows[0];
    if (!found) return { outcome: 'not_found' };
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      activityLockKey(found.provider, found.external_id),
    ]);
    const { rows } = await client.query<StoredActivity & { quarantine_reason: string | null }>(
      // eslint-disable-next-line ops/sql-parameterized -- a fixed column list, a constant of activities.ts
      `SELECT ${STORED_ACTIVITY_COLUMNS}, quarantine_reason FROM activities WHERE id = $1`,
      [id],
    );
    const row = rows[0]!;
    if (row.deleted_at) return { outcome: 'not_quarantined', review: 'deleted' };
    if (row.review !== 'quarantined') return { outcome: 'not_quarantined', review: row.review };
    const review: Review = action === 'approve' ? 'approved' : 'rejected';
    await client.query(
      `UPDATE activities SET review = $2, reviewed_by = $3, reviewed_at = now(), updated_at = now()
        WHERE id = $1`,
      [id, review, actor],
    );
    const deltas = new ActivityDeltas();
    const deltaM = deltas.move(null, contributionOf({ ...row, review }), [row.user_id]);
    await client.query(
      `INSERT INTO activity_reviews (activity_id, action, actor, quarantine_reason, delta_m)
       VALUES ($1, $2, $3, $4, $5)`,
      [id, action, actor, row.quarantine_reason, deltaM.toFixed(3)],
    );
    await deltas.apply(client);
    return { outcome: 'reviewed', id, review, deltaM, reviewedBy: actor };
  });
}
