import { randomBytes } from 'node:crypto';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { appleWorkoutId, Secret } from '@ops-cockpit/core';
import { startApp, type RunningApp } from './harness.js';
import {
  appleWorkout,
  postJson,
  signedHeaders,
  streamEnvelopes,
  streamLength,
  type Json,
} from './webhooks-support.js';

const RAW_SECRET = 'apple-health-shared-secret-0123';
const KEY = randomBytes(24);
const WHSEC = `whsec_${KEY.toString('base64')}`;

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;
let url: string;

beforeAll(async () => {
  db = await createTestDatabase('whapple');
  redis = await createTestRedis('whapple');
  app = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    webhooks: { appleHealthSecret: new Secret(RAW_SECRET) },
  });
  url = `${app.url}/api/webhooks/apple-health`;
});

afterAll(async () => {
  await app?.close();
  await redis?.close();
  await db?.drop();
});

async function expectUnauthorized(res: Response, reason: string): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Json;
  expect(body.type).toBe('https://ops-cockpit.dev/problems/unauthorized');
  expect(body.reason).toBe(reason);
}

describe('Apple Health deliveries', () => {
  it('appends each workout of a correctly signed delivery', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    const workouts = [appleWorkout(), appleWorkout({ id: 'W-2', distanceMeters: 0, deleted: true })];
    const body = JSON.stringify({ workouts });
    const res = await postJson(url, body, signedHeaders(RAW_SECRET, body));
    expect(res.status).toBe(200);
    expect((await res.json()) as Json).toEqual({ accepted: 2, duplicates: 0 });
    const envelopes = (await streamEnvelopes(redis.redis, redis.prefix)).slice(before);
    expect(envelopes).toEqual(
      workouts.map((w) => ({
        provider: 'apple_health',
        kind: 'apple_workout',
        eventId: appleWorkoutId(w as never),
        receivedAt: expect.any(String),
        body: w,
      })),
    );
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(
      /^ops_webhook_events_total\{provider="apple_health",object_type="workout",aspect_type="delete"\} 1$/m,
    );
  });

  it('acknowledges the same workout re-sent as a duplicate', async () => {
    const body = JSON.stringify({ workouts: [appleWorkout({ id: 'W-dup' })] });
    await postJson(url, body, signedHeaders(RAW_SECRET, body));
    const res = await postJson(url, body, signedHeaders(RAW_SECRET, body));
    expect((await res.json()) as Json).toEqual({ accepted: 0, duplicates: 1 });
  });

  it('accepts the whsec_ (base64 key) form of the secret', async () => {
    const other = await startApp({
      pool: db.pool,
      redis: redis.redis,
      prefix: redis.prefix,
      webhooks: { appleHealthSecret: new Secret(WHSEC) },
    });
    try {
      const body = JSON.stringify({ workouts: [appleWorkout({ id: 'W-whsec' })] });
      const target = `${other.url}/api/webhooks/apple-health`;
      expect((await postJson(target, body, signedHeaders(WHSEC, body))).status).toBe(200);
      // Signed with the string itself rather than the decoded key: refused.
      const wrong = signedHeaders(RAW_SECRET, body);
      await expectUnauthorized(await postJson(target, body, wrong), 'bad_signature');
    } finally {
      await other.close();
    }
  });

  it('accepts when any signature of a rotating list matches', async () => {
    const body = JSON.stringify({ workouts: [appleWorkout({ id: 'W-rot' })] });
    const headers = signedHeaders(RAW_SECRET, body);
    headers['webhook-signature'] = `v1,${randomBytes(32).toString('base64')} ${headers['webhook-signature']}`;
    expect((await postJson(url, body, headers)).status).toBe(200);
  });

  it('refuses a bad signature, a tampered body and missing headers with 401, appending nothing', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    const body = JSON.stringify({ workouts: [appleWorkout({ id: 'W-bad' })] });
    const headers = signedHeaders(RAW_SECRET, body);
    await expectUnauthorized(
      await postJson(url, body, {
        ...headers,
        'webhook-signature': `v1,${randomBytes(32).toString('base64')}`,
      }),
      'bad_signature',
    );
    await expectUnauthorized(await postJson(url, body.replace('6200', '62000'), headers), 'bad_signature');
    await expectUnauthorized(
      await postJson(url, body, { ...headers, 'webhook-id': 'other' }),
      'bad_signature',
    );
    await expectUnauthorized(await postJson(url, body), 'missing_headers');
    await expectUnauthorized(
      await postJson(url, body, { ...headers, 'webhook-timestamp': 'yesterday' }),
      'bad_timestamp',
    );
    expect(await streamLength(redis.redis, redis.prefix)).toBe(before);
  });

  it('refuses a timestamp more than 5 minutes old or ahead with 401', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    const body = JSON.stringify({ workouts: [appleWorkout({ id: 'W-stale' })] });
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 301, now + 301]) {
      await expectUnauthorized(
        await postJson(url, body, signedHeaders(RAW_SECRET, body, { timestamp })),
        'stale_timestamp',
      );
    }
    expect(
      (await postJson(url, body, signedHeaders(RAW_SECRET, body, { timestamp: now - 240 }))).status,
    ).toBe(200);
    expect(await streamLength(redis.redis, redis.prefix)).toBe(before + 1);
  });

  it('checks the signature before parsing: an unsigned malformed body is 401, not 400', async () => {
    await expectUnauthorized(await postJson(url, '{"workouts":'), 'missing_headers');
  });

  it('names bad workout fields (422) in a correctly signed delivery', async () => {
    const body = JSON.stringify({ workouts: [appleWorkout({ userId: 'not-a-uuid', distanceMeters: -1 })] });
    const res = await postJson(url, body, signedHeaders(RAW_SECRET, body));
    expect(res.status).toBe(422);
    const fields = ((await res.json()) as Json).errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(['workouts.0.userId', 'workouts.0.distanceMeters']);
  });

  it('refuses every delivery with 403 when APPLE_HEALTH_WEBHOOK_SECRET is unset', async () => {
    const other = await startApp({ pool: db.pool, redis: redis.redis, prefix: redis.prefix });
    try {
      const body = JSON.stringify({ workouts: [appleWorkout({ id: 'W-unset' })] });
      const res = await postJson(
        `${other.url}/api/webhooks/apple-health`,
        body,
        signedHeaders(RAW_SECRET, body),
      );
      expect(res.status).toBe(403);
      expect(((await res.json()) as Json).detail).toBe('APPLE_HEALTH_WEBHOOK_SECRET is not set');
    } finally {
      await other.close();
    }
  });
});
