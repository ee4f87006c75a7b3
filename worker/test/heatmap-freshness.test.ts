import {
  createTestDatabase,
  createTestRedis,
  spawnExporterAndWorker,
  waitFor,
  type ServiceProcess,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { createRedisKeys } from '@ops-cockpit/core';
import { garminSummary, postJson } from '../../exporter/test/webhooks-support.js';

// Measured from outside, as a user sees it: an accepted Garmin push shows on the challenge total and on the
// heatmap within a few seconds of each other (the heatmap used to wait for its 60 s cache), and under read load
// with nothing changing the heatmap is still served from its cache.
let db: TestDatabase;
let redis: TestRedis;
const services: ServiceProcess[] = [];
let exporterUrl: string;

beforeAll(async () => {
  db = await createTestDatabase('hmfresh');
  redis = await createTestRedis('hmfresh');
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (name) VALUES ('Fresh') RETURNING id`,
  );
  await db.pool.query(
    `INSERT INTO provider_accounts (user_id, provider, external_user_id) VALUES ($1, 'garmin', 'g-fresh')`,
    [rows[0]!.id],
  );
  const stack = await spawnExporterAndWorker({ DATABASE_URL: db.url.reveal(), REDIS_PREFIX: redis.prefix });
  services.push(...stack.services);
  exporterUrl = stack.exporterUrl;
}, 60_000);

afterAll(async () => {
  for (const s of services) await s.stop('SIGTERM');
  await redis?.close();
  await db?.drop();
});

const getJson = async (path: string) => (await fetch(`${exporterUrl}${path}`)).json() as Promise<never>;
const heatmapTotal = async () =>
  ((await getJson('/api/ops/heatmap')) as { matrix: number[][] }).matrix.flat().reduce((a, b) => a + b, 0);
const totalMiles = async () => ((await getJson('/api/ops/challenge')) as { totalMiles: number }).totalMiles;

it('shows a committed activity on the heatmap about as soon as on the challenge total', async () => {
  expect(await heatmapTotal()).toBe(0); // cached now, for 60 s unless the rollup moves
  const now = Math.floor(Date.now() / 1000);
  const sent = Date.now();
  const res = await postJson(`${exporterUrl}/api/webhooks/garmin`, {
    activities: [
      garminSummary('g-fresh', {
        summaryId: 'fresh-1',
        startTimeInSeconds: now - 3_600,
        startTimeOffsetInSeconds: 0,
      }),
    ],
  });
  expect(res.status).toBe(200);
  let totalAt = 0;
  let heatmapAt = 0;
  await waitFor(
    async () => {
      if (!totalAt && (await totalMiles()) > 0) totalAt = Date.now() - sent;
      if (!heatmapAt && (await heatmapTotal()) === 1) heatmapAt = Date.now() - sent;
      return totalAt && heatmapAt ? true : undefined;
    },
    'the activity on the total and the heatmap',
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  process.stdout.write(`heatmap freshness: total after ${totalAt} ms, heatmap after ${heatmapAt} ms\n`);
  expect(heatmapAt).toBeLessThan(5_000);
  expect(heatmapAt - totalAt).toBeLessThan(3_000);
}, 40_000);

it('keeps serving the cached heatmap under read load while nothing changes', async () => {
  const keys = createRedisKeys(redis.prefix);
  await heatmapTotal();
  const cachedBefore = await redis.redis.get(keys.heatmapCache);
  const ttlBefore = await redis.redis.pttl(keys.heatmapCache);
  const reads = await Promise.all(Array.from({ length: 200 }, () => heatmapTotal()));
  expect(new Set(reads)).toEqual(new Set([1]));
  // The same cache entry, not rewritten: its TTL only ran down.
  expect(await redis.redis.get(keys.heatmapCache)).toBe(cachedBefore);
  expect(await redis.redis.pttl(keys.heatmapCache)).toBeLessThanOrEqual(ttlBefore);
});
