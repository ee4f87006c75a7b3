import { createTestDatabase, type TestDatabase } from '@ops-cockpit/core/testing';
import {
  SEED_STRAVA_ID_BASE,
  World,
  demoRoster,
  planHistory,
  readPolarToken,
  seedDemo,
  stravaTokensFor,
} from '../src/index.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('sim_seed');
});
afterAll(async () => {
  await db.drop();
});

const DAY_MS = 86_400_000;
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);

/** Everything the seed writes, in a comparable form (timestamps the database sets itself left out). */
async function snapshot() {
  // eslint-disable-next-line ops/sql-parameterized -- every caller below passes a literal statement
  const q = async (sql: string) => (await db.pool.query(sql)).rows;
  return {
    users: await q(
      'SELECT id, name, email, phone, crew, timezone, created_at, last_activity_at FROM users ORDER BY id',
    ),
    accounts: await q(
      `SELECT user_id, provider, external_user_id, access_token, refresh_token, token_expires_at, scopes
         FROM provider_accounts ORDER BY user_id, provider`,
    ),
    activities: await q(
      `SELECT provider, external_id, user_id, type, distance_m, moving_time_s, start_date, start_date_local,
              source_updated_at, deleted_at, updated_at FROM activities ORDER BY provider, external_id`,
    ),
    stats: await q('SELECT total_meters, activity_count, updated_at FROM global_stats'),
    hourly: await q('SELECT * FROM activity_hourly ORDER BY local_date, local_hour'),
  };
}

describe('seedDemo', () => {
  it('writes users, linked accounts and a history, and a second run changes nothing', async () => {
    const first = await seedDemo(db.pool, { now: NOW });
    expect(first).toMatchObject({
      anchor: NOW,
      usersCreated: 50,
      // Strava, Garmin and Apple Health for all 50, Polar for every fifth.
      accountsCreated: 160,
      activitiesSkipped: 0,
    });
    expect(first.activitiesWritten).toBeGreaterThan(500);
    expect(first.activitiesDeleted).toBeGreaterThan(0);
    const before = await snapshot();

    // Even run later, the rerun recovers the first run's anchor and finds everything in place.
    const second = await seedDemo(db.pool, { now: new Date(NOW.getTime() + 3 * DAY_MS) });
    expect(second).toMatchObject({
      anchor: NOW,
      usersCreated: 0,
      accountsCreated: 0,
      activitiesWritten: 0,
      activitiesSkipped: first.activitiesWritten,
    });
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it('keeps the challenge total and the heatmap rollup exact', async () => {
    const { rows } = await db.pool.query(`
      SELECT (SELECT total_meters FROM global_stats) = (SELECT SUM(distance_m) FROM activities WHERE deleted_at IS NULL)
               AS total_exact,
             (SELECT activity_count FROM global_stats) = (SELECT count(*) FROM activities WHERE deleted_at IS NULL)
               AS count_exact,
             (SELECT SUM(activity_count) FROM activity_hourly) = (SELECT count(*) FROM activities WHERE deleted_at IS NULL)
               AS rollup_count_exact,
             (SELECT SUM(distance_m) FROM activity_hourly) = (SELECT total_meters FROM global_stats)
               AS rollup_distance_exact,
             (SELECT count(*) FROM activities WHERE deleted_at IS NOT NULL) AS deleted`);
    expect(rows[0]).toMatchObject({
      total_exact: true,
      count_exact: true,
      rollup_count_exact: true,
      rollup_distance_exact: true,
    });
    expect(Number(rows[0].deleted)).toBeGreaterThan(0);
  });

  it('has users inactive for 2 to 30 days, several beyond 10 days, and the rest active', async () => {
    const { rows } = await db.pool.query<{ id: string; days: number }>(
      `SELECT id, extract(epoch FROM $1::timestamptz - last_activity_at) / 86400 AS days FROM users`,
      [NOW],
    );
    const byId = new Map(rows.map((r) => [r.id, Number(r.days)]));
    for (const user of demoRoster()) {
      const days = byId.get(user.id)!;
      if (user.inactiveDays === 0) {
        expect(days).toBeLessThan(1);
      } else {
        expect(days).toBeGreaterThanOrEqual(user.inactiveDays);
        expect(days).toBeLessThan(user.inactiveDays + 1);
      }
    }
    expect([...byId.values()].filter((d) => d > 10).length).toBeGreaterThanOrEqual(6);
    expect([...byId.values()].filter((d) => d >= 2 && d <= 10).length).toBeGreaterThanOrEqual(3);
  });

  it('links accounts whose tokens the simulator honours', async () => {
    const { rows } = await db.pool.query<{
      external_user_id: string;
      access_token: string;
      refresh_token: string;
    }>(
      `SELECT external_user_id, access_token, refresh_token FROM provider_accounts WHERE provider = 'strava'`,
    );
    expect(rows).toHaveLength(50);
    const world = new World({ roster: demoRoster() });
    for (const row of rows) {
      const athleteId = Number(row.external_user_id);
      expect(row.access_token).toBe(stravaTokensFor(athleteId).accessToken);
      // The stored access token is already expired: the worker's first call refreshes it.
      expect(world.authenticate(`Bearer ${row.access_token}`, Date.now())).toMatchObject({ ok: false });
      const grant = world.refresh(row.refresh_token, Date.now())!;
      expect(world.authenticate(`Bearer ${grant.accessToken}`, Date.now())).toMatchObject({ ok: true });
    }
    const apple = await db.pool.query(
      `SELECT count(*)::int AS n FROM provider_accounts WHERE provider = 'apple_health' AND external_user_id = user_id::text`,
    );
    expect(apple.rows[0].n).toBe(50);
  });

  it('links every fifth user to Polar (user ids 70005, 70010, …) with a token the fake AccessLink honours', async () => {
    const { rows } = await db.pool.query<{ user_id: string; external_user_id: string; access_token: string }>(
      `SELECT user_id, external_user_id, access_token FROM provider_accounts WHERE provider = 'polar'
        ORDER BY external_user_id::int`,
    );
    const linked = demoRoster().filter((u) => u.index % 5 === 0);
    expect(rows.map((r) => r.external_user_id)).toEqual(linked.map((u) => String(70_000 + u.index)));
    expect(rows.map((r) => r.user_id)).toEqual(linked.map((u) => u.id));
    for (const row of rows) expect(readPolarToken(row.access_token)).toBe(Number(row.external_user_id));
  });

  it('plans the same history for the same anchor, with activity types as the worker stores them', async () => {
    const opts = { anchorMs: NOW.getTime(), days: 30, seed: 1 };
    const a = planHistory(demoRoster(), opts);
    expect(planHistory(demoRoster(), opts)).toEqual(a);
    const strava = a.filter((e) => e.activity.provider === 'strava');
    expect(strava.every((e) => Number(e.activity.externalId) > SEED_STRAVA_ID_BASE)).toBe(true);
    const { rows } = await db.pool.query<{ provider: string; type: string }>(
      'SELECT DISTINCT provider, type FROM activities ORDER BY 1, 2',
    );
    expect(rows.map((r) => `${r.provider}:${r.type}`)).toEqual([
      'apple_health:cycling',
      'apple_health:running',
      'apple_health:walking',
      'garmin:CYCLING',
      'garmin:RUNNING',
      'garmin:WALKING',
      'polar:CYCLING',
      'polar:RUNNING',
      'polar:WALKING',
      'strava:Ride',
      'strava:Run',
      'strava:Walk',
    ]);
  });
});
