import { createRedis, closeRedis, createRedisKeys, type Redis } from '@ops-cockpit/core';
import {
  createTestDatabase,
  silentLogger,
  startPrivateRedis,
  waitFor,
  type PrivateRedis,
  type TestDatabase,
} from '@ops-cockpit/core/testing';
import { startApp, type RunningApp } from './harness.js';
import { postJson, stravaEvent, type Json } from './webhooks-support.js';

/**
 * Redis really stops (a private server, not the machine's), then comes back with its data: while it is down
 * every delivery gets a 503 with Retry-After and nothing is half-written — no dedup marker without its stream
 * entry — so the provider's retry after recovery is appended, not mistaken for a duplicate.
 */

let db: TestDatabase;
let server: PrivateRedis;
let redis: Redis;
let app: RunningApp;
const prefix = 'ops_redis_stop';
const keys = createRedisKeys(prefix);

beforeAll(async () => {
  db = await createTestDatabase('rstop');
  server = await startPrivateRedis();
  redis = createRedis({ url: server.url, role: 'command', logger: silentLogger, name: 'rstop' });
  await waitFor(() => redis.status === 'ready', 'redis ready');
  app = await startApp({ pool: db.pool, redis, prefix });
});

afterAll(async () => {
  await app?.close();
  await closeRedis(redis);
  await server?.destroy();
  await db?.drop();
});

const send = (objectId: number) =>
  postJson(`${app.url}/api/webhooks/strava`, stravaEvent({ object_id: objectId }));

it('answers 503 while Redis is down, recovers on its own, and the retried delivery is appended once', async () => {
  expect((await send(1)).status).toBe(200);

  await server.stop();
  const started = Date.now();
  const down = await send(2);
  expect(down.status).toBe(503);
  expect(down.headers.get('retry-after')).toBe('5');
  expect(((await down.json()) as Json).type).toBe('https://ops-cockpit.dev/problems/dependency-unavailable');
  expect(Date.now() - started).toBeLessThan(2_000); // inside Strava's 2 s, so it retries
  expect((await fetch(`${app.url}/readyz`)).status).toBe(503);

  await server.start();
  await waitFor(async () => (await fetch(`${app.url}/readyz`)).status === 200, 'readyz back to 200', {
    timeoutMs: 15_000,
  });
  // Strava retries event 2: accepted as new (no marker was left behind), then a third retry is a duplicate.
  const retried = await send(2);
  expect(retried.status).toBe(200);
  expect(((await retried.json()) as Json).duplicate).toBeUndefined();
  expect(((await (await send(2)).json()) as Json).duplicate).toBe(true);

  const ids = (await redis.xrange(keys.ingestStream, '-', '+')).map(
    ([, f]) => JSON.parse(f[1]!).body.object_id,
  );
  expect(ids).toEqual([1, 2]);
});
