import type { Pool, PoolClient } from '../platform/pool.js';
import { inTransaction } from '../platform/transaction.js';
import type { Provider } from '../contracts/providers.js';

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
  /**
   * Why the activity is impossible for its kind (contracts/plausibility.ts), as the worker judged it: it is stored
   * but held for review. Absent when plausible.
   */
  implausible?: string;
}

/**
 * An activity's review state. `ok` and `approved` count toward the challenge total, the heatmap and the user's
 * last activity; `quarantined` (implausible, awaiting an operator) and `rejected` count nowhere.
 */
export type Review = 'ok' | 'quarantined' | 'approved' | 'rejected';

/** Whether an activity in this review state counts (is part of the totals when live). */
export const COUNTED_REVIEWS: readonly Review[] = ['ok', 'approved'];
export const counts = (review: Review): boolean => COUNTED_REVIEWS.includes(review);

/**
 * `foreign`: the activity is another user's (live, or the delete names another owner), so nothing is written:
 * one user's delivery never moves or overwrites another user's activity.
 */
export type WriteOutcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'missing' | 'stale' | 'foreign';

export interface WriteResult {
  outcome: WriteOutcome;
  /** Change of the challenge total in metres (create +d, update new − old, delete −d, otherwise 0). */
  deltaM: number;
}

/** The stored state of an activity that a write decides from (what lockAndRead selects). */
export interface StoredActivity {
  id: number;
  user_id: string;
  distance_m: string;
  local_date: string;
  local_hour: number;
  source_updated_at: Date | null;
  deleted_at: Date | null;
  moving_time_s: number | null;
  review: Review;
}
type Row = StoredActivity;

/** A live activity's contribution to the totals and the rollup; null when it contributes nothing. */
export interface Contribution {
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

/** The columns a write decides from, for `WHERE` conditions that select activities by key. */
export const STORED_ACTIVITY_COLUMNS = `id, user_id, distance_m::text AS distance_m,
  start_date_local::date::text AS local_date, extract(hour FROM start_date_local)::int AS local_hour,
  source_updated_at, deleted_at, moving_time_s, review`;

async function lockAndRead(
  client: PoolClient,
  provider: Provider,
  externalId: string,
): Promise<Row | undefined> {
  // Serialise writers of one activity (a create and an update racing in two workers) without table locks.
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    activityLockKey(provider, externalId),
  ]);
  const { rows } = await client.query<Row>(
    `SELECT ${STORED_ACTIVITY_COLUMNS} FROM activities WHERE provider = $1 AND external_id = $2`,
    [provider, externalId],
  );
  return rows[0];
}

/** The advisory-lock key of one activity; batches lock theirs in the order of this string. */
export function activityLockKey(provider: Provider, externalId: string): string {
  return `${provider}:${externalId}`;
}

/** A stored activity's contribution: null when deleted or not counted (quarantined, rejected). */
export function contributionOf(row: Row | undefined): Contribution | null {
  if (!row || row.deleted_at || !counts(row.review)) return null;
  return { distanceM: row.distance_m, localDate: row.local_date, localHour: row.local_hour };
}

/** Metres with at most 3 decimals (numeric(12,3)) as whole millimetres, so sums in JS stay exact. */
function millimetres(metres: string): number {
  return Math.round(Number(metres) * 1000);
}

/**
 * What a batch of activity writes changes in the aggregates: the challenge total, the hourly rollup and the users
 * whose last activity must be re-read. Writes add to it; `apply` writes it once, last in the transaction, so the
 * hot single row (global_stats) is locked only for the end of each transaction, and many writes share one update.
 * Locks are taken in a fixed order (rollup rows sorted, users sorted, then global_stats), so concurrent batches
 * never deadlock on them; users are locked FOR NO KEY UPDATE, which coexists with the KEY SHARE lock that
 * inserting an activity (foreign key) takes on its user.
 */
export class ActivityDeltas {
  #mm = 0;
  #count = 0;
  readonly #hourly = new Map<string, { date: string; hour: number; count: number; mm: number }>();
  readonly #users = new Set<string>();

  /** Moves the aggregates from `before` to `after` (either may be null); returns the change in metres. */
  move(before: Contribution | null, after: Contribution | null, users: readonly string[]): number {
    const delta = (after ? millimetres(after.distanceM) : 0) - (before ? millimetres(before.distanceM) : 0);
    this.#mm += delta;
    this.#count += (after ? 1 : 0) - (before ? 1 : 0);
    if (before) this.#bucket(before, -1);
    if (after) this.#bucket(after, +1);
    for (const u of users) this.#users.add(u);
    return delta / 1000;
  }

  /** Adds another accumulator (an entry whose savepoint was released) to this one. */
  merge(other: ActivityDeltas): void {
    this.#mm += other.#mm;
    this.#count += other.#count;
    for (const [key, b] of other.#hourly) {
      const mine = this.#hourly.get(key) ?? { date: b.date, hour: b.hour, count: 0, mm: 0 };
      mine.count += b.count;
      mine.mm += b.mm;
      this.#hourly.set(key, mine);
    }
    for (const u of other.#users) this.#users.add(u);
  }

  #bucket(c: Contribution, sign: 1 | -1): void {
    const key = `${c.localDate}|${String(c.localHour).padStart(2, '0')}`;
    const b = this.#hourly.get(key) ?? { date: c.localDate, hour: c.localHour, count: 0, mm: 0 };
    b.count += sign;
    b.mm += sign * millimetres(c.distanceM);
    this.#hourly.set(key, b);
  }

  async apply(client: PoolClient): Promise<void> {
    const buckets = [...this.#hourly.entries()]
      .filter(([, b]) => b.count !== 0 || b.mm !== 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, b]) => b);
    if (buckets.length) {
      await client.query(
        `INSERT INTO activity_hourly (local_date, local_hour, activity_count, distance_m)
         SELECT d, h, c, m / 1000 FROM unnest($1::date[], $2::smallint[], $3::int[], $4::numeric[]) AS t(d, h, c, m)
         ORDER BY d, h
         ON CONFLICT (local_date, local_hour) DO UPDATE
           SET activity_count = activity_hourly.activity_count + excluded.activity_count,
               distance_m = activity_hourly.distance_m + excluded.distance_m`,
        [
          buckets.map((b) => b.date),
          buckets.map((b) => b.hour),
          buckets.map((b) => b.count),
          buckets.map((b) => String(b.mm)),
        ],
      );
    }
    if (this.#users.size) {
      await client.query(
        `UPDATE users u SET last_activity_at =
           (SELECT max(start_date) FROM activities a
             WHERE a.user_id = u.id AND a.deleted_at IS NULL AND a.review IN ('ok', 'approved'))
          WHERE u.id IN (SELECT id FROM users WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE)`,
        [[...this.#users].sort()],
      );
    }
    if (this.#mm !== 0 || this.#count !== 0) {
      await client.query(
        `UPDATE global_stats SET total_meters = total_meters + $1::numeric / 1000,
                activity_count = activity_count + $2, updated_at = now() WHERE id = 1`,
        [String(this.#mm), this.#count],
      );
    }
  }
}

/** What an upsert does to a stored activity, decided before any SQL (pure; the batch path simulates with it). */
export type UpsertPlan =
  /** Older than what is stored (or than its deletion), or another user's live activity: nothing is written. */
  | { outcome: 'stale' | 'foreign' }
  /** Same owner, review and contribution: the other columns are updated, the aggregates do not move. */
  | { outcome: 'unchanged'; users: string[]; review: Review }
  | {
      outcome: 'created' | 'updated';
      before: Contribution | null;
      /** Null when the new state counts nowhere (quarantined or rejected). */
      after: Contribution | null;
      users: string[];
      review: Review;
    };

/**
 * The review state an upsert leaves: `ok` when plausible; when not, an operator's approval or rejection holds
 * while what it judged (distance and moving time) is unchanged, and anything else is quarantined.
 */
export function reviewAfter(row: StoredActivity | undefined, input: ActivityInput): Review {
  if (input.implausible === undefined) return 'ok';
  const decided = row && !row.deleted_at && (row.review === 'approved' || row.review === 'rejected');
  if (
    decided &&
    millimetres(row.distance_m) === millimetres(input.distanceM.toFixed(3)) &&
    row.moving_time_s === input.movingTimeS
  ) {
    return row.review;
  }
  return 'quarantined';
}

function sameContribution(a: Contribution | null, b: Contribution | null): boolean {
  if (!a || !b) return a === b;
  return (
    millimetres(a.distanceM) === millimetres(b.distanceM) &&
    a.localDate === b.localDate &&
    a.localHour === b.localHour
  );
}

export function planUpsert(row: StoredActivity | undefined, input: ActivityInput): UpsertPlan {
  const local = parseLocalTime(input.startDateLocal);
  const live = row !== undefined && !row.deleted_at;
  // A deleted one (or a delete's tombstone) may pass to its new owner: it holds nothing of the old one's.
  if (live && row.user_id !== input.userId) return { outcome: 'foreign' };
  if (row?.source_updated_at && row.source_updated_at > input.sourceUpdatedAt) return { outcome: 'stale' };
  const review = reviewAfter(row, input);
  const before = contributionOf(row);
  const after: Contribution | null = counts(review)
    ? { distanceM: input.distanceM.toFixed(3), localDate: local.date, localHour: local.hour }
    : null;
  const users = row && row.user_id !== input.userId ? [row.user_id, input.userId] : [input.userId];
  if (live && row.review === review && sameContribution(before, after)) {
    return { outcome: 'unchanged', users, review };
  }
  return { outcome: live ? 'updated' : 'created', before, after, users, review };
}

/** Moves `deltas` as a planned upsert does; returns the result the write reports. */
export function recordUpsert(plan: UpsertPlan, deltas: ActivityDeltas): WriteResult {
  if (plan.outcome === 'unchanged') {
    deltas.move(null, null, plan.users);
    return { outcome: 'unchanged', deltaM: 0 };
  }
  if ('after' in plan)
    return { outcome: plan.outcome, deltaM: deltas.move(plan.before, plan.after, plan.users) };
  return { outcome: plan.outcome, deltaM: 0 };
}

/** An activity to write and the review state its plan decided. */
export interface PlannedUpsert {
  input: ActivityInput;
  review: Review;
}

/**
 * The upsert of one or many activities: `$n` arrays, one element per activity, in the column order below. An
 * operator's decision (reviewed_by/at) stays only while the review it made stays.
 */
export const UPSERT_ACTIVITIES_SQL = `INSERT INTO activities (user_id, provider, external_id, type, distance_m,
                             moving_time_s, start_date, start_date_local, source_updated_at, review,
                             quarantine_reason)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::int[],
                          $7::timestamptz[], $8::timestamp[], $9::timestamptz[], $10::text[], $11::text[])
     ON CONFLICT (provider, external_id) DO UPDATE
       SET user_id = excluded.user_id, type = excluded.type, distance_m = excluded.distance_m,
           moving_time_s = excluded.moving_time_s, start_date = excluded.start_date,
           start_date_local = excluded.start_date_local, source_updated_at = excluded.source_updated_at,
           review = excluded.review, quarantine_reason = excluded.quarantine_reason,
           reviewed_by = CASE WHEN excluded.review = activities.review THEN activities.reviewed_by END,
           reviewed_at = CASE WHEN excluded.review = activities.review THEN activities.reviewed_at END,
           deleted_at = NULL, updated_at = now()`;

/** UPSERT_ACTIVITIES_SQL's parameters (each activity at most once: ON CONFLICT touches a row once). */
export function upsertParams(planned: readonly PlannedUpsert[]): unknown[] {
  const inputs = planned.map((p) => p.input);
  return [
    inputs.map((i) => i.userId),
    inputs.map((i) => i.provider),
    inputs.map((i) => i.externalId),
    inputs.map((i) => i.type),
    inputs.map((i) => i.distanceM.toFixed(3)),
    inputs.map((i) => i.movingTimeS),
    inputs.map((i) => i.startDate),
    inputs.map((i) => i.startDateLocal),
    inputs.map((i) => i.sourceUpdatedAt),
    planned.map((p) => p.review),
    inputs.map((i) => i.implausible ?? null),
  ];
}

/**
 * Creates or updates an activity row in the caller's transaction and records the change in `deltas` (applied
 * later, once, by `deltas.apply`). Idempotent: the same input twice changes nothing the second time. An input
 * older than what is stored (or than its deletion) is ignored as stale.
 */
export async function writeActivity(
  client: PoolClient,
  input: ActivityInput,
  deltas: ActivityDeltas,
): Promise<WriteResult> {
  const row = await lockAndRead(client, input.provider, input.externalId);
  const plan = planUpsert(row, input);
  if (plan.outcome === 'unchanged') {
    await client.query(
      `UPDATE activities SET type = $2, moving_time_s = $3, start_date = $4, start_date_local = $5,
              source_updated_at = $6, quarantine_reason = $7, updated_at = now() WHERE id = $1`,
      [
        row!.id,
        input.type,
        input.movingTimeS,
        input.startDate,
        input.startDateLocal,
        input.sourceUpdatedAt,
        input.implausible ?? null,
      ],
    );
  } else if ('review' in plan) {
    await client.query(UPSERT_ACTIVITIES_SQL, upsertParams([{ input, review: plan.review }]));
  }
  return recordUpsert(plan, deltas);
}

/**
 * Soft-deletes an activity in the caller's transaction and records its removal in `deltas`. A delete for an
 * activity not stored yet (its create is still being fetched) leaves a tombstone when the owner is known, so
 * that create, older than the delete, is refused as stale instead of bringing the activity back.
 */
export async function writeDeletion(
  client: PoolClient,
  target: { provider: Provider; externalId: string; at: Date; ownerUserId?: string },
  deltas: ActivityDeltas,
): Promise<WriteResult> {
  const { provider, externalId, at, ownerUserId } = target;
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
  if (ownerUserId && row.user_id !== ownerUserId) return { outcome: 'foreign', deltaM: 0 };
  if (row.deleted_at) return { outcome: 'unchanged', deltaM: 0 };
  if (row.source_updated_at && row.source_updated_at > at) return { outcome: 'stale', deltaM: 0 };
  await client.query(
    'UPDATE activities SET deleted_at = now(), source_updated_at = $2, updated_at = now() WHERE id = $1',
    [row.id, at],
  );
  return { outcome: 'deleted', deltaM: deltas.move(contributionOf(row), null, [row.user_id]) };
}

/** One activity write with its aggregates, in the caller's transaction (the seed and single writes use it). */
export async function upsertActivity(client: PoolClient, input: ActivityInput): Promise<WriteResult> {
  const deltas = new ActivityDeltas();
  const result = await writeActivity(client, input, deltas);
  await deltas.apply(client);
  return result;
}

/** One deletion with its aggregates, in the caller's transaction. */
export async function deleteActivity(
  client: PoolClient,
  provider: Provider,
  externalId: string,
  at: Date,
  ownerUserId?: string,
): Promise<WriteResult> {
  const deltas = new ActivityDeltas();
  const result = await writeDeletion(client, { provider, externalId, at, ownerUserId }, deltas);
  await deltas.apply(client);
  return result;
}

/**
 * Recomputes the challenge total from live activities and corrects the stored one. Returns the drift that was
 * found (stored − actual, in metres); 0 is the expected answer, since every write moves the total exactly.
 */
export async function recomputeChallenge(pool: Pool): Promise<number> {
  return inTransaction(pool, async (client) => {
    // Lock the row first so no activity write commits between the sum and the correction.
    await client.query('SELECT 1 FROM global_stats WHERE id = 1 FOR UPDATE');
    const { rows } = await client.query<{ drift: string }>(
      `WITH actual AS (
         SELECT coalesce(sum(distance_m), 0) AS meters, count(*) AS n FROM activities
          WHERE deleted_at IS NULL AND review IN ('ok', 'approved')
       ), old AS (SELECT total_meters FROM global_stats WHERE id = 1)
       UPDATE global_stats g SET total_meters = actual.meters, activity_count = actual.n, updated_at = now()
         FROM actual, old WHERE g.id = 1
       RETURNING (old.total_meters - actual.meters)::text AS drift`,
    );
    return Number(rows[0]?.drift ?? 0);
  });
}
