import type { Pool, PoolClient } from '../platform/pool.js';
import { inTransaction } from '../platform/transaction.js';
import { cooldownRemainingSeconds, type NudgeChannel } from '../contracts/nudges.js';

export interface NudgeRequest {
  userId: string;
  channel: NudgeChannel;
  /** The operator who asked. */
  requestedBy: string;
  idempotencyKey?: string | undefined;
  cooldownHours: number;
}

export type NudgeRequestOutcome =
  | { kind: 'created'; nudgeId: string }
  /** A nudge with this idempotency key exists already (the same request retried). */
  | { kind: 'existing'; nudgeId: string; userId: string; channel: NudgeChannel }
  | { kind: 'unknown-user' }
  | { kind: 'cooling-down'; retryAfterSeconds: number };

const UNIQUE_VIOLATION = '23505';

/**
 * Records a queued nudge unless the user is unknown or was nudged within the cooldown. The user row is locked
 * for the transaction, so two operators nudging the same user at once cannot both pass the cooldown check.
 */
export async function requestNudge(pool: Pool, req: NudgeRequest): Promise<NudgeRequestOutcome> {
  try {
    return await inTransaction(pool, (client) => decideAndInsert(client, req));
  } catch (err) {
    // The same key sent twice at once: both pass the lookup, one insert loses. Answer as the winner recorded it.
    if ((err as { code?: string }).code === UNIQUE_VIOLATION && req.idempotencyKey !== undefined) {
      const existing = await byIdempotencyKey(pool, req.idempotencyKey);
      if (existing) return existing;
    }
    throw err;
  }
}

async function byIdempotencyKey(
  client: Pick<PoolClient, 'query'>,
  key: string,
): Promise<NudgeRequestOutcome | undefined> {
  const { rows } = await client.query<{ id: string; user_id: string; channel: NudgeChannel }>(
    'SELECT id, user_id, channel FROM nudges WHERE idempotency_key = $1',
    [key],
  );
  const row = rows[0];
  return row && { kind: 'existing', nudgeId: row.id, userId: row.user_id, channel: row.channel };
}

async function decideAndInsert(client: PoolClient, req: NudgeRequest): Promise<NudgeRequestOutcome> {
  const user = await client.query<{ last_nudge_at: Date | null; now: Date }>(
    'SELECT last_nudge_at, now() AS now FROM users WHERE id = $1 FOR UPDATE',
    [req.userId],
  );
  // Checked before the cooldown: the retry of a nudge that went through must get its answer, not a 409.
  if (req.idempotencyKey !== undefined) {
    const existing = await byIdempotencyKey(client, req.idempotencyKey);
    if (existing) return existing;
  }
  const found = user.rows[0];
  if (!found) return { kind: 'unknown-user' };
  // Hours as float8 times an interval: make_interval(hours => …) takes an integer and would refuse 0.5.
  const recent = await client.query<{ at: Date | null }>(
    `SELECT max(created_at) AS at FROM nudges
      WHERE user_id = $1 AND status IN ('queued', 'sent') AND created_at > now() - $2::float8 * interval '1 hour'`,
    [req.userId, req.cooldownHours],
  );
  const retryAfterSeconds = cooldownRemainingSeconds(
    [found.last_nudge_at, recent.rows[0]?.at ?? null],
    found.now,
    req.cooldownHours,
  );
  if (retryAfterSeconds > 0) return { kind: 'cooling-down', retryAfterSeconds };
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO nudges (user_id, channel, requested_by, idempotency_key)
     VALUES ($1, $2, $3, $4) RETURNING id`,
    [req.userId, req.channel, req.requestedBy, req.idempotencyKey ?? null],
  );
  return { kind: 'created', nudgeId: rows[0]!.id };
}

/** Removes a nudge that could not be queued, so it neither blocks the cooldown nor answers a retry. */
export async function discardNudge(pool: Pool, nudgeId: string): Promise<void> {
  await pool.query(`DELETE FROM nudges WHERE id = $1 AND status = 'queued'`, [nudgeId]);
}

/** What the worker needs to send one nudge. */
export interface NudgeDelivery {
  nudgeId: string;
  status: 'queued' | 'sent' | 'failed';
  channel: NudgeChannel;
  userId: string;
  name: string;
  email: string | null;
  phone: string | null;
  crew: string | null;
  daysInactive: number;
}

export async function loadNudgeDelivery(pool: Pool, nudgeId: string): Promise<NudgeDelivery | undefined> {
  const { rows } = await pool.query<NudgeDelivery>(
    `SELECT n.id AS "nudgeId", n.status, n.channel, u.id AS "userId", u.name, u.email, u.phone, u.crew,
            floor(EXTRACT(EPOCH FROM now() - COALESCE(u.last_activity_at, u.created_at)) / 86400)::int
              AS "daysInactive"
       FROM nudges n JOIN users u ON u.id = n.user_id
      WHERE n.id = $1`,
    [nudgeId],
  );
  return rows[0];
}

/** The nudge went out: the row and the user's last_nudge_at change together. */
export async function markNudgeSent(pool: Pool, nudgeId: string, attempts: number): Promise<void> {
  await pool.query(
    `WITH sent AS (
       UPDATE nudges SET status = 'sent', sent_at = now(), attempts = $2, error_reason = NULL
        WHERE id = $1 RETURNING user_id
     )
     UPDATE users SET last_nudge_at = now() FROM sent WHERE users.id = sent.user_id`,
    [nudgeId, attempts],
  );
}

/** A failed attempt: `final` marks the nudge failed; otherwise it stays queued for the next attempt. */
export async function recordNudgeFailure(
  pool: Pool,
  nudgeId: string,
  attempts: number,
  reason: string,
  final: boolean,
): Promise<void> {
  await pool.query(
    `UPDATE nudges SET attempts = $2, error_reason = $3, status = CASE WHEN $4 THEN 'failed' ELSE status END
      WHERE id = $1`,
    [nudgeId, attempts, reason.slice(0, 500), final],
  );
}

/**
 * An operator replays a nudge that failed: the row goes back to `queued` so the job, run again, sends it (a
 * `failed` row is skipped as settled). False when the row is not `failed` (gone, sent, or still queued).
 */
export async function reopenFailedNudge(pool: Pool, nudgeId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE nudges SET status = 'queued' WHERE id = $1 AND status = 'failed'`,
    [nudgeId],
  );
  return (rowCount ?? 0) > 0;
}

/** Undoes reopenFailedNudge when its job could not be queued again, so the row does not wait for nothing. */
export async function closeReopenedNudge(pool: Pool, nudgeId: string): Promise<void> {
  await pool.query(`UPDATE nudges SET status = 'failed' WHERE id = $1 AND status = 'queued'`, [nudgeId]);
}
