import { createTestDatabase, type TestDatabase } from '@ops-cockpit/core/testing';
import { pruneProbeLogs } from '../src/probes/provider-health-logs.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('hk');
});
afterAll(async () => {
  await db?.drop();
});

it('prunes probe rows older than the retention, in batches, and keeps the rest', async () => {
  await db.pool.query(`INSERT INTO provider_health_logs (provider, status, latency_ms, "timestamp")
    SELECT 'strava', 'success', 100, now() - make_interval(days => 8) - make_interval(secs => g)
    FROM generate_series(1, 25) g`);
  await db.pool.query(`INSERT INTO provider_health_logs (provider, status, latency_ms, "timestamp")
    SELECT 'garmin', 'error', NULL, now() - make_interval(days => 6) FROM generate_series(1, 5)`);
  expect(await pruneProbeLogs(db.pool, 7, 10)).toBe(25);
  const { rows } = await db.pool.query(
    'SELECT provider, count(*)::int AS n FROM provider_health_logs GROUP BY 1',
  );
  expect(rows).toEqual([{ provider: 'garmin', n: 5 }]);
  expect(await pruneProbeLogs(db.pool, 7)).toBe(0);
});

it('recomputes the challenge total from live activities and reports the drift it corrected', async () => {
  const { inTransaction, recomputeChallenge, upsertActivity } = await import('@ops-cockpit/core');
  const user = (await db.pool.query(`INSERT INTO users (name) VALUES ('Ada') RETURNING id`)).rows[0].id;
  await inTransaction(db.pool, (c) =>
    upsertActivity(c, {
      provider: 'garmin',
      externalId: 'drift-1',
      userId: user,
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
