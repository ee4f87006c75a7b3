import { createTestDatabase, type TestDatabase } from '@ops-cockpit/core/testing';
import { providerHealth } from './provider-health.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('ph');
});
afterAll(async () => {
  await db?.drop();
});

async function probe(provider: string, status: string, latency: number | null, secondsAgo: number) {
  await db.pool.query(
    `INSERT INTO provider_health_logs (provider, status, latency_ms, "timestamp")
     VALUES ($1, $2, $3, now() - make_interval(secs => $4))`,
    [provider, status, latency, secondsAgo],
  );
}

it('computes success rate, latency and up from the logged rows, per provider, within the window', async () => {
  // strava: 3 of 4 in the last hour succeeded; an old failure outside the window does not count.
  await probe('strava', 'success', 100, 60);
  await probe('strava', 'success', 200, 120);
  await probe('strava', 'error', null, 180);
  await probe('strava', 'success', 300, 240);
  await probe('strava', 'error', null, 7_200);
  // garmin: the last three failed → down, even though older probes succeeded.
  await probe('garmin', 'success', 50, 3_000);
  await probe('garmin', 'error', null, 30);
  await probe('garmin', 'error', null, 20);
  await probe('garmin', 'error', null, 10);
  // polar: both probes succeeded.
  await probe('polar', 'success', 120, 90);
  await probe('polar', 'success', 180, 30);

  const health = await providerHealth(db.pool, 3_600);
  expect(health.map((h) => h.provider)).toEqual(['strava', 'garmin', 'apple_health', 'polar']);
  const [strava, garmin, apple, polar] = health;
  expect(strava).toMatchObject({
    successRate: 75,
    avgLatencyMs: 200,
    samples: 4,
    lastStatus: 'success',
    up: true,
  });
  expect(strava!.p95LatencyMs).toBeCloseTo(290, 5);
  expect(garmin).toMatchObject({
    successRate: 25,
    avgLatencyMs: 50,
    samples: 4,
    lastStatus: 'error',
    up: false,
  });
  expect(polar).toMatchObject({
    provider: 'polar',
    successRate: 100,
    avgLatencyMs: 150,
    samples: 2,
    up: true,
  });
  expect(apple).toEqual({
    provider: 'apple_health',
    successRate: null,
    avgLatencyMs: null,
    p95LatencyMs: null,
    samples: 0,
    lastStatus: null,
    lastCheckedAt: null,
    up: true,
  });
  expect(Date.parse(strava!.lastCheckedAt!)).toBeGreaterThan(Date.now() - 70_000);
});
