import { createTestDatabase, type TestDatabase } from '@ops-cockpit/core/testing';
import { pruneProbeLogs } from '../src/housekeeping.js';

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
