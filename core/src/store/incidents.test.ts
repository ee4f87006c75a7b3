import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { recordBackendIncident, resolveBackendIncident } from './incidents.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('inc');
});
afterAll(async () => {
  await db?.drop();
});

const rateLimit = {
  source: 'probe' as const,
  key: 'rate_limited:strava',
  message: 'Strava answered 429',
  level: 'warn' as const,
};

it('opens one incident per key while it is unresolved, also under concurrent reporters', async () => {
  const results = await Promise.all(
    Array.from({ length: 8 }, () => recordBackendIncident(db.pool, rateLimit)),
  );
  expect(results.filter((r) => r.created)).toHaveLength(1);
  expect(new Set(results.map((r) => r.id)).size).toBe(1);
  const again = await recordBackendIncident(db.pool, { ...rateLimit, message: 'Strava answered 429 again' });
  expect(again).toEqual({ id: results[0]!.id, created: false });
  const { rows } = await db.pool.query('SELECT message, level, source, fingerprint FROM incidents');
  expect(rows).toEqual([
    {
      message: 'Strava answered 429 again',
      level: 'warn',
      source: 'probe',
      fingerprint: 'rate_limited:strava',
    },
  ]);
});

it('opens a new incident once the previous one is resolved', async () => {
  expect(await resolveBackendIncident(db.pool, 'probe', rateLimit.key)).toBe(true);
  expect(await resolveBackendIncident(db.pool, 'probe', rateLimit.key)).toBe(false);
  expect((await recordBackendIncident(db.pool, rateLimit)).created).toBe(true);
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM incidents');
  expect(rows[0].n).toBe(2);
});
