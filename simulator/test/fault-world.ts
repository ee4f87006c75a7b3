import { PROVIDERS, type Provider } from '@ops-cockpit/core';
import type pg from 'pg';
import type { Delivery, World } from '../src/index.js';

/**
 * The checks every fault test ends with: what the worker stored equals what the providers hold, activity by
 * activity, and the challenge total equals the sum of live distances to the millimetre.
 */

/** Activities (provider:external id) a delivery creates; Garmin pings name theirs only in the callback. */
export function activityKeys(d: Delivery): string[] {
  const body = JSON.parse(d.body) as Record<string, unknown>;
  if (d.provider === 'strava') return [`strava:${(body as { object_id: number }).object_id}`];
  if (d.provider === 'garmin') {
    const entries = (body as { activities: { summaryId?: string }[] }).activities;
    return entries.flatMap((a) => (a.summaryId ? [`garmin:${a.summaryId}`] : []));
  }
  if (d.provider === 'polar') return body.event === 'EXERCISE' ? [`polar:${String(body.entity_id)}`] : [];
  return (body as { workouts: { id: string }[] }).workouts.map((w) => `apple_health:${w.id}`);
}

export interface Exactness {
  /** global_stats.total_meters, as Postgres prints it (numeric: compared exactly). */
  storedMeters: string;
  /** SUM(distance_m) of live activities. */
  liveMeters: string;
  storedCount: number;
  liveCount: number;
}

export async function exactness(pool: pg.Pool): Promise<Exactness> {
  const { rows } = await pool.query<Exactness>(`
    SELECT (SELECT total_meters FROM global_stats)::text AS "storedMeters",
           (SELECT coalesce(sum(distance_m), 0) FROM activities WHERE deleted_at IS NULL)::numeric(20, 3)::text
             AS "liveMeters",
           (SELECT activity_count FROM global_stats)::int AS "storedCount",
           (SELECT count(*) FROM activities WHERE deleted_at IS NULL)::int AS "liveCount"`);
  return rows[0]!;
}

export interface WorldComparison {
  /** Live at the provider, not live (or absent) in Postgres: an event lost. */
  lost: string[];
  /** Live in Postgres, not at the provider: an event applied that should not have been (or a lost delete). */
  unexpected: string[];
  /** In both, with another distance: an update lost or applied out of order. */
  wrongDistance: string[];
  /** Activities compared (live at the provider). */
  live: number;
  /** Σ distance of the provider's live activities, in millimetres. */
  liveMm: number;
}

/**
 * Every activity the traffic created, compared with the simulated providers' truth: the world holds what each
 * provider would return now, so after every delivery was applied the database must hold exactly that.
 */
export async function compareWithWorld(
  pool: pg.Pool,
  world: World,
  seeded: ReadonlySet<string>,
): Promise<WorldComparison> {
  const { rows } = await pool.query<{ provider: Provider; id: string; mm: string; live: boolean }>(
    `SELECT provider, external_id AS id, (distance_m * 1000)::bigint::text AS mm, deleted_at IS NULL AS live
       FROM activities`,
  );
  const result: WorldComparison = { lost: [], unexpected: [], wrongDistance: [], live: 0, liveMm: 0 };
  const seen = new Map<Provider, number>();
  for (const r of rows) {
    const key = `${r.provider}:${r.id}`;
    if (seeded.has(key)) continue;
    const truth = world.activity(r.provider, r.id);
    if (!truth) {
      if (r.live) result.unexpected.push(key);
      continue;
    }
    seen.set(r.provider, (seen.get(r.provider) ?? 0) + 1);
    if (!r.live) {
      result.lost.push(key);
      continue;
    }
    const mm = Math.round(truth.distanceM * 1000);
    if (String(mm) !== r.mm) result.wrongDistance.push(key);
    result.live += 1;
    result.liveMm += mm;
  }
  // Live at the provider but never written at all.
  for (const provider of PROVIDERS) {
    const missing = world.liveCount(provider) - (seen.get(provider) ?? 0);
    for (let i = 0; i < missing; i++) result.lost.push(`${provider}:(never written)`);
  }
  return result;
}

/** Σ distance (mm) of the seeded activities still live: with the world's `liveMm`, the whole challenge total. */
export async function seededLiveMm(pool: pg.Pool, seeded: ReadonlySet<string>): Promise<number> {
  const { rows } = await pool.query<{ mm: string }>(
    `SELECT coalesce(sum(distance_m * 1000), 0)::bigint::text AS mm FROM activities
      WHERE deleted_at IS NULL AND provider || ':' || external_id = ANY($1)`,
    [[...seeded]],
  );
  return Number(rows[0]!.mm);
}

/**
 * How every fault test ends: nothing lost, nothing applied that should not have been, no update out of order,
 * and the challenge total the sum of live distances: the providers' (`world.liveMm`) plus the seeded history's.
 */
export function expectExact(world: WorldComparison, totals: Exactness, seededMm: number): void {
  expect(world.lost).toEqual([]);
  expect(world.wrongDistance).toEqual([]);
  expect(world.unexpected).toEqual([]);
  expect(totals.storedMeters).toBe(totals.liveMeters);
  expect(totals.storedCount).toBe(totals.liveCount);
  expect(Math.round(Number(totals.storedMeters) * 1000)).toBe(seededMm + world.liveMm);
}
