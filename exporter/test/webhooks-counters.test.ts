import {
  createTestDatabase,
  createTestRedis,
  silentLogger,
  waitFor,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { closeRedis, createRedis, createRedisKeys, Secret, waitForRedis } from '@ops-cockpit/core';
import { startApp, type RunningApp } from './harness.js';
import { appleWorkout, garminSummary, postJson, signedHeaders, stravaEvent } from './webhooks-support.js';
import { createLiveCounters, MAX_PENDING_BUCKETS } from '../src/webhooks/live-counters.js';

const SECRET = 'apple-health-shared-secret-0123';
// A fixed clock, so every event lands in one minute and one 5-second bucket.
const NOW = Date.UTC(2026, 6, 2, 12, 30, 7);

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;

beforeAll(async () => {
  db = await createTestDatabase('whcount');
  redis = await createTestRedis('whcount');
  const { rows } = await db.pool.query<{ id: string }>(`INSERT INTO users (name) VALUES ('g') RETURNING id`);
  await db.pool.query(
    `INSERT INTO provider_accounts (user_id, provider, external_user_id) VALUES ($1, 'garmin', 'g-1')`,
    [rows[0]!.id],
  );
  app = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    webhooks: { appleHealthSecret: new Secret(SECRET), now: () => NOW, counterFlushMs: 60_000 },
  });
});

afterAll(async () => {
  await app?.close();
  await redis?.close();
  await db?.drop();
});

describe('live-signal counters', () => {
  it('hold per-provider counts of accepted events, per minute and per 5 s, with a TTL, after a flush', async () => {
    for (let i = 0; i < 3; i += 1) {
      expect((await postJson(`${app.url}/api/webhooks/strava`, stravaEvent({ object_id: i }))).status).toBe(
        200,
      );
    }
    // A duplicate is still webhook traffic: counted.
    expect((await postJson(`${app.url}/api/webhooks/strava`, stravaEvent({ object_id: 0 }))).status).toBe(
      200,
    );
    const garmin = {
      activities: [garminSummary('g-1', { summaryId: 'c1' }), garminSummary('g-1', { summaryId: 'c2' })],
    };
    expect((await postJson(`${app.url}/api/webhooks/garmin`, garmin)).status).toBe(200);
    const apple = JSON.stringify({ workouts: [appleWorkout()] });
    expect(
      (
        await postJson(
          `${app.url}/api/webhooks/apple-health`,
          apple,
          signedHeaders(SECRET, apple, { timestamp: NOW / 1000 }),
        )
      ).status,
    ).toBe(200);
    // Rejected and invalid requests are not.
    await postJson(`${app.url}/api/webhooks/garmin`, { activities: [garminSummary('stranger')] });
    await postJson(`${app.url}/api/webhooks/strava`, { object_type: 'nope' });

    const keys = createRedisKeys(redis.prefix);
    const minute = keys.webhookMinute(Math.floor(NOW / 60_000));
    const bucket = keys.webhookBucket(Math.floor(NOW / 5_000));
    expect(await redis.redis.exists(minute)).toBe(0);
    await app.webhooks.counters.flush();
    const expected = { strava: '4', garmin: '2', apple_health: '1' };
    expect(await redis.redis.hgetall(minute)).toEqual(expected);
    expect(await redis.redis.hgetall(bucket)).toEqual(expected);
    expect(await redis.redis.ttl(minute)).toBeGreaterThan(7_100);
    expect(await redis.redis.ttl(minute)).toBeLessThanOrEqual(7_200);
    expect(await redis.redis.ttl(bucket)).toBeGreaterThan(500);
    expect(await redis.redis.ttl(bucket)).toBeLessThanOrEqual(600);
    expect(app.webhooks.counters.pending).toBe(0);
  });

  it('keep their counts through a failed flush and write them on the next', async () => {
    const client = createRedis({ url: redis.url, role: 'command', logger: silentLogger, name: 'counters' });
    await waitForRedis(client, 5_000);
    const keys = createRedisKeys(`${redis.prefix}:retry`);
    const counters = createLiveCounters({ redis: client, keys, logger: silentLogger, flushMs: 60_000 });
    try {
      counters.add('strava', 2, NOW);
      client.disconnect();
      await counters.flush();
      expect(counters.pending).toBe(2);
      counters.add('strava', 1, NOW);
      await waitFor(() => client.status === 'end', 'the client to close');
      await client.connect();
      await counters.flush();
      expect(counters.pending).toBe(0);
      expect(await redis.redis.hget(keys.webhookMinute(Math.floor(NOW / 60_000)), 'strava')).toBe('3');
    } finally {
      await counters.close();
      await closeRedis(client);
    }
  });

  it('drop the oldest counts beyond the bound while Redis stays away', async () => {
    const client = createRedis({ url: redis.url, role: 'command', logger: silentLogger, name: 'bound' });
    await waitForRedis(client, 5_000);
    client.disconnect();
    const counters = createLiveCounters({
      redis: client,
      keys: createRedisKeys(`${redis.prefix}:bound`),
      logger: silentLogger,
      flushMs: 60_000,
    });
    // Each minute apart: one minute hash and one 5-second hash each.
    for (let i = 0; i < MAX_PENDING_BUCKETS; i += 1) counters.add('garmin', 1, NOW + i * 60_000);
    await counters.flush();
    expect(counters.pending).toBe(MAX_PENDING_BUCKETS);
    await counters.close();
    await counters.close();
  });
});

describe('webhook metrics', () => {
  it('exposes the webhook series with fixed labels and none for an unknown provider', async () => {
    await fetch(`${app.url}/api/webhooks/evil`, { method: 'POST', body: '{}' });
    await fetch(`${app.url}/api/webhooks/${encodeURIComponent('strava"} 1\nfake')}`);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/^ops_webhook_requests_total\{provider="strava",code="200"\} 4$/m);
    expect(text).toMatch(/^ops_webhook_requests_total\{provider="garmin",code="403"\} 1$/m);
    expect(text).toMatch(/^ops_webhook_requests_total\{provider="strava",code="422"\} 1$/m);
    expect(text).toMatch(
      /^ops_webhook_request_duration_seconds_bucket\{le="0.0001",provider="strava"\} \d+$/m,
    );
    expect(text).toMatch(/^ops_webhook_request_duration_seconds_count\{provider="apple_health"\} 1$/m);
    expect(text).toMatch(
      /^ops_webhook_events_total\{provider="strava",object_type="activity",aspect_type="update"\} 4$/m,
    );
    expect(text).toMatch(
      /^ops_webhook_events_total\{provider="garmin",object_type="activity",aspect_type="push"\} 2$/m,
    );
    expect(text).toMatch(/^ops_webhook_duplicates_total\{provider="strava"\} 1$/m);
    expect(text).toMatch(/^ops_webhook_duplicates_total\{provider="apple_health"\} 0$/m);
    expect(text).toMatch(
      /^ops_webhook_rejected_entries_total\{provider="garmin",reason="unknown_user"\} 1$/m,
    );
    // Webhooks also count as HTTP requests by route template; unknown paths only as "unmatched".
    expect(text).toMatch(
      /^ops_http_requests_total\{method="POST",route="\/api\/webhooks\/strava",code="200"\} 4$/m,
    );
    expect(text).toMatch(/^ops_http_requests_total\{method="POST",route="unmatched",code="404"\} 1$/m);
    expect(text).not.toMatch(/evil|fake/);
    for (const line of text.split('\n').filter((l) => l.startsWith('ops_webhook'))) {
      const provider = /provider="([^"]*)"/.exec(line)?.[1];
      if (provider !== undefined) expect(['strava', 'garmin', 'apple_health', 'polar']).toContain(provider);
    }
  });
});
