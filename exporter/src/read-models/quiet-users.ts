import type { Pool } from '@ops-cockpit/core';

/** Where a quiet-list page ends: the keyset (inactive since, id) of its last row. */
export interface QuietUsersKeyset {
  /** Postgres' own text of the timestamp, so the next page resumes at the exact microsecond. */
  since: string;
  id: string;
}

export interface QuietUser {
  id: string;
  name: string;
  crew: string | null;
  daysInactive: number;
  lastActivityAt: string | null;
  lastNudgeAt: string | null;
  /** Until when a nudge is refused (409), from the same rows the nudge endpoint checks; null: one may be sent now. */
  cooldownUntil: string | null;
}

export interface QuietUsersPage {
  users: QuietUser[];
  /** Set when more users follow this page. */
  next: QuietUsersKeyset | undefined;
}

interface Row {
  id: string;
  name: string;
  crew: string | null;
  days_inactive: number;
  last_activity_at: Date | null;
  last_nudge_at: Date | null;
  cooldown_until: Date | null;
  since_text: string;
}

// The ORDER BY and the row comparison use exactly the expression of users_inactive_since_idx, so a page is one
// index range scan whatever its depth.
const SINCE = 'COALESCE(last_activity_at, created_at)';

/**
 * Users without a live activity for more than `days` days (never active: counted from sign-up), most inactive
 * first, `limit` per page, resuming after `after`.
 */
export async function listQuietUsers(
  pool: Pool,
  opts: { days: number; limit: number; cooldownHours: number; after?: QuietUsersKeyset | undefined },
): Promise<QuietUsersPage> {
  const params: unknown[] = [opts.days, opts.limit + 1, opts.cooldownHours];
  if (opts.after) params.push(opts.after.since, opts.after.id);
  // Fixed text either way: the keyset's values travel as $4 and $5.
  const resume = opts.after ? `AND (${SINCE}, id) > ($4::timestamptz, $5::uuid)` : '';
  // The cooldown counts from the same times requestNudge checks: last_nudge_at and queued or sent nudges (one
  // nudges_user_created_idx probe per listed user).
  const { rows } = await pool.query<Row>(
    `SELECT id, name, crew, last_activity_at, last_nudge_at, ${SINCE}::text AS since_text,
            floor(EXTRACT(EPOCH FROM now() - ${SINCE}) / 86400)::int AS days_inactive,
            NULLIF(GREATEST(now(), GREATEST(last_nudge_at,
              (SELECT max(n.created_at) FROM nudges n WHERE n.user_id = users.id AND n.status IN ('queued', 'sent')))
              + $3::float8 * interval '1 hour'), now()) AS cooldown_until
       FROM users
      WHERE ${SINCE} < now() - make_interval(days => $1::int) ${resume}
      ORDER BY ${SINCE}, id
      LIMIT $2`,
    params,
  );
  // One row more than asked tells whether another page follows, without a COUNT.
  const more = rows.length > opts.limit;
  const page = more ? rows.slice(0, opts.limit) : rows;
  const last = page[page.length - 1];
  return {
    users: page.map((r) => ({
      id: r.id,
      name: r.name,
      crew: r.crew,
      daysInactive: r.days_inactive,
      lastActivityAt: r.last_activity_at?.toISOString() ?? null,
      lastNudgeAt: r.last_nudge_at?.toISOString() ?? null,
      cooldownUntil: r.cooldown_until?.toISOString() ?? null,
    })),
    next: more && last ? { since: last.since_text, id: last.id } : undefined,
  };
}

/** How many users are quiet for more than `days` days (an index range count). */
export async function countQuietUsers(pool: Pool, days: number): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM users WHERE ${SINCE} < now() - make_interval(days => $1::int)`,
    [days],
  );
  return Number(rows[0]!.n);
}
