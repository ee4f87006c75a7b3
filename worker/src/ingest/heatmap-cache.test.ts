import { createRedisKeys } from '@ops-cockpit/core';
import { createTestRedis, silentLogger, waitFor, type TestRedis } from '@ops-cockpit/core/testing';
import { createHeatmapVersion, movesRollup } from './heatmap-cache.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await createTestRedis('hmver');
});
afterAll(() => redis?.close());

const version = async () =>
  Number((await redis.redis.get(createRedisKeys(redis.prefix).heatmapVersion)) ?? 0);

it('bumps at once, then at most once per interval and always for the last change', async () => {
  const v = createHeatmapVersion({
    redis: redis.redis,
    versionKey: createRedisKeys(redis.prefix).heatmapVersion,
    minIntervalMs: 300,
    logger: silentLogger,
  });
  v.changed();
  await waitFor(async () => (await version()) === 1, 'the first bump');
  const started = Date.now();
  for (let i = 0; i < 20; i += 1) v.changed(); // a busy stream within one interval
  expect(await version()).toBe(1);
  await waitFor(async () => (await version()) === 2, 'the trailing bump');
  expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  v.changed();
  await v.close(); // a pending change is not lost at shutdown
  expect(await version()).toBe(3);
});

it('counts only outcomes that move the rollup', () => {
  expect(['created', 'updated', 'deleted'].every((o) => movesRollup(o as never))).toBe(true);
  expect(['unchanged', 'stale', 'missing', 'skipped', 'ignored'].some((o) => movesRollup(o as never))).toBe(
    false,
  );
});
