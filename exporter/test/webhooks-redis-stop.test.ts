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
 * entry — so the provider's retry after recovery is appended, not mistaken for a duplicate. A Redis that is
 * up but does not answer (paused) gets the same 503 once the append deadline passes.
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
  app = await startApp({ pool: db.pool, redis, prefix, webhooks: { appendTimeoutMs: 500 } });
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

it('answers 503 when Redis holds the append past the deadline, and the late append is deduplicated', async () => {
  const admin = createRedis({ url: server.url, role: 'command', logger: silentLogger, name: 'rstop-admin' });
  try {
    await waitFor(() => admin.status === 'ready', 'admin ready');
    const before = await redis.xlen(keys.ingestStream);
    // Writes (the append script) wait while reads go on: a slow Redis, not a gone one.
    await admin.call('CLIENT', 'PAUSE', '2000', 'WRITE');
    const started = Date.now();
    const slow = await send(3);
    const waited = Date.now() - started;
    expect(slow.status).toBe(503);
    expect(slow.headers.get('retry-after')).toBe('5');
    expect(((await slow.json()) as Json).detail).toMatch(/unavailable/);
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(1_500); // the 500 ms deadline plus one sweep, not the 2 s pause
    await admin.call('CLIENT', 'UNPAUSE');
    // Redis ran the held append after all: the provider's retry is acknowledged as a duplicate, on once.
    await waitFor(async () => (await redis.xlen(keys.ingestStream)) === before + 1, 'late append');
    expect(((await (await send(3)).json()) as Json).duplicate).toBe(true);
    expect(await redis.xlen(keys.ingestStream)).toBe(before + 1);
  } finally {
    await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
    await closeRedis(admin);
  }
});
