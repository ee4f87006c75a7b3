import { createRedisKeys, PROVIDERS } from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  freePort,
  readEventStream,
  spawnService,
  type ServiceProcess,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { postJson, stravaEvent, type Json } from './webhooks-support.js';

// A minute of the live signal from one of two exporters that both take traffic: every pushed figure must equal
// the final count of the bucket it names (issue: each event was one short of its bucket, a flush behind).
const MINUTE_MS = 60_000;

let db: TestDatabase;
let redis: TestRedis;
const exporters: { svc: ServiceProcess; url: string }[] = [];

async function startExporter() {
  const port = await freePort();
  const svc = spawnService('exporter', {
    DATABASE_URL: db.url.reveal(),
    REDIS_PREFIX: redis.prefix,
    HOST: '127.0.0.1',
    PORT: String(port),
    THROUGHPUT_PUSH_SECONDS: '1',
  });
  const listening = await svc.waitForLog('exporter listening', 30_000);
  exporters.push({ svc, url: String(listening.url) });
}

beforeAll(async () => {
  db = await createTestDatabase('livemin');
  redis = await createTestRedis('livemin');
  await startExporter();
  await startExporter();
}, 60_000);

afterAll(async () => {
  for (const e of exporters) await e.svc.stop('SIGTERM');
  await redis?.close();
  await db?.drop();
});

it('pushes, for a minute, exactly the final count of every bucket it names', async () => {
  const stop = new AbortController();
  const stream = readEventStream<Json>(
    `${exporters[0]!.url}/api/ops/throughput/stream`,
    'throughput',
    stop.signal,
  );
  let accepted = 0;
  const until = Date.now() + MINUTE_MS;
  for (let i = 0; Date.now() < until; i += 1) {
    // Both processes count; a burst now and then so buckets differ.
    const burst = i % 40 === 0 ? 10 : 1;
    const sends = Array.from({ length: burst }, (_, k) =>
      postJson(`${exporters[(i + k) % 2]!.url}/api/webhooks/strava`, stravaEvent({ object_id: i * 100 + k })),
    );
    for (const res of await Promise.all(sends)) if (res.status === 200) accepted += 1;
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 7_000)); // the last bucket ends and is pushed
  stop.abort();
  await stream.done;
  const pushed = stream.events.map((e) => e.data);
  // Stopping flushes what each process still holds: the counts below are final.
  for (const e of exporters.splice(0)) await e.svc.stop('SIGTERM');

  const keys = createRedisKeys(redis.prefix);
  const counted = new Set<number>();
  for (const sample of pushed) {
    const bucket = Date.parse(sample.at) / 5_000 - 1;
    const final = await redis.redis.hgetall(keys.webhookBucket(bucket));
    const expected = Object.fromEntries(PROVIDERS.map((p) => [p, Number(final[p] ?? 0) / 5]));
    expect({ at: sample.at, byProvider: sample.byProvider }).toEqual({ at: sample.at, byProvider: expected });
    expect(sample.eventsPerSecond).toBe(PROVIDERS.reduce((sum, p) => sum + Number(final[p] ?? 0), 0) / 5);
    if (sample.eventsPerSecond > 0) counted.add(bucket);
  }
  // About 60 pushes over about 12 busy buckets; and the buckets hold every accepted event.
  expect(pushed.length).toBeGreaterThanOrEqual(50);
  expect(counted.size).toBeGreaterThanOrEqual(11);
  const first = Math.min(...counted) - 2;
  let total = 0;
  for (let b = first; b <= Math.max(...counted) + 2; b += 1) {
    total += Number((await redis.redis.hget(keys.webhookBucket(b), 'strava')) ?? 0);
  }
  expect(total).toBe(accepted);
}, 120_000);
