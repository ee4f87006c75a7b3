import http from 'node:http';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { Secret } from '@ops-cockpit/core';
import { closeRedis, startApp, unreachableRedis, type RunningApp } from './harness.js';
import {
  appleWorkout,
  garminSummary,
  postJson,
  signedHeaders,
  stravaEvent,
  streamLength,
  type Json,
} from './webhooks-support.js';

const SECRET = 'apple-health-shared-secret-0123';

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;

beforeAll(async () => {
  db = await createTestDatabase('whbad');
  redis = await createTestRedis('whbad');
  app = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    webhooks: { appleHealthSecret: new Secret(SECRET) },
  });
});

afterAll(async () => {
  await app?.close();
  await redis?.close();
  await db?.drop();
});

/** Runs `send` and checks the answer is the given problem and that the stream did not move. */
async function expectProblem(send: () => Promise<Response>, status: number, type: string): Promise<Json> {
  const before = await streamLength(redis.redis, redis.prefix);
  const res = await send();
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Json;
  expect(body).toMatchObject({ type: `https://ops-cockpit.dev/problems/${type}`, status });
  expect(await streamLength(redis.redis, redis.prefix)).toBe(before);
  return body;
}

const paths = ['strava', 'garmin', 'apple-health'];
const at = (p: string) => `${app.url}/api/webhooks/${p}`;

describe('bad webhook input changes nothing', () => {
  it('malformed JSON → 400', async () => {
    for (const p of ['strava', 'garmin']) {
      await expectProblem(() => postJson(at(p), '{"object_type":'), 400, 'malformed-json');
      await expectProblem(() => postJson(at(p), ''), 400, 'malformed-json');
    }
    const body = '{"workouts":[';
    await expectProblem(
      () => postJson(at('apple-health'), body, signedHeaders(SECRET, body)),
      400,
      'malformed-json',
    );
  });

  it('JSON nested deeper than 32 levels → 400 before parsing; brackets inside strings do not count', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    for (const depth of [33, 5_000, 100_000]) {
      const body = `{"object_type":"activity","object_id":1,"aspect_type":"update","owner_id":1,"subscription_id":1,"event_time":1,"updates":{"title":${deep(depth)}}}`;
      const problem = await expectProblem(() => postJson(at('strava'), body), 400, 'malformed-json');
      expect(problem.detail).toBe('JSON nests deeper than 32 levels');
    }
    // Brackets in a title are text, not nesting: accepted.
    const title = stravaEvent({ object_id: 990_001, updates: { title: `${'[{'.repeat(100)}"\\` } });
    expect((await postJson(at('strava'), title)).status).toBe(200);
  });

  it('a body over 256 KB → 413, announced or streamed', async () => {
    const big = JSON.stringify({ ...stravaEvent(), pad: 'x'.repeat(300 * 1024) });
    for (const p of paths) await expectProblem(() => postJson(at(p), big), 413, 'payload-too-large');

    // Chunked, with no Content-Length: refused once the limit is crossed, before the upload ends.
    const before = await streamLength(redis.redis, redis.prefix);
    const { port } = new URL(app.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: '/api/webhooks/strava',
        headers: { 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 5; i += 1) req.write(chunk);
      // Never ended: the answer must come anyway.
    });
    expect(status).toBe(413);
    expect(await streamLength(redis.redis, redis.prefix)).toBe(before);
  });

  it('a body of just under 256 KB is read and validated', async () => {
    const body = JSON.stringify({ ...stravaEvent({ object_id: 4242 }), pad: 'x'.repeat(250 * 1024) });
    const res = await postJson(at('strava'), body);
    expect(res.status).toBe(200);
  });

  it('a content type other than JSON → 415', async () => {
    for (const p of paths) {
      await expectProblem(
        () => fetch(at(p), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }),
        415,
        'unsupported-media-type',
      );
    }
    await expectProblem(
      () => fetch(at('strava'), { method: 'POST', body: new Uint8Array([123, 125]) }),
      415,
      'unsupported-media-type',
    );
    await expectProblem(
      () => postJson(at('strava'), stravaEvent(), { 'content-type': 'application/json; charset=latin1' }),
      415,
      'unsupported-media-type',
    );
    await expectProblem(
      () => postJson(at('strava'), stravaEvent(), { 'content-encoding': 'gzip' }),
      415,
      'unsupported-media-type',
    );
  });

  it('an unknown provider path → 404, on any method', async () => {
    for (const method of ['GET', 'POST']) {
      const body = await expectProblem(
        () => fetch(`${app.url}/api/webhooks/evil`, { method, ...(method === 'POST' ? { body: '{}' } : {}) }),
        404,
        'not-found',
      );
      expect(body.detail).toBe('no webhook for /api/webhooks/evil');
    }
    await expectProblem(
      () => postJson(`${app.url}/api/webhooks/strava/extra`, stravaEvent()),
      404,
      'not-found',
    );
  });

  it('missing or mistyped Strava fields → 422 naming each', async () => {
    const event = stravaEvent({ object_type: 'club', object_id: '12', owner_id: undefined });
    const body = await expectProblem(() => postJson(at('strava'), event), 422, 'validation-failed');
    expect(body.errors.map((e: { field: string }) => e.field)).toEqual([
      'object_type',
      'object_id',
      'owner_id',
    ]);
    for (const error of body.errors) expect(typeof error.message).toBe('string');
    const root = await expectProblem(() => postJson(at('strava'), [1, 2]), 422, 'validation-failed');
    expect(root.errors).toEqual([{ field: '(root)', message: expect.stringMatching(/expected object/) }]);
  });

  it('missing or mistyped Garmin and Apple fields → 422 naming each', async () => {
    const garmin = await expectProblem(
      () => postJson(at('garmin'), { activities: [] }),
      422,
      'validation-failed',
    );
    expect(garmin.errors.map((e: { field: string }) => e.field)).toEqual(['activities']);
    const missing = await expectProblem(
      () => postJson(at('garmin'), { summaries: [] }),
      422,
      'validation-failed',
    );
    expect(missing.errors.map((e: { field: string }) => e.field)).toEqual(['activities']);

    const apple = JSON.stringify({ workouts: [appleWorkout({ start: 'yesterday', type: undefined })] });
    const res = await expectProblem(
      () => postJson(at('apple-health'), apple, signedHeaders(SECRET, apple)),
      422,
      'validation-failed',
    );
    expect(res.errors.map((e: { field: string }) => e.field)).toEqual([
      'workouts.0.type',
      'workouts.0.start',
    ]);
  });

  it('values Postgres cannot hold → 422 naming the field, before any 2xx (the red team list)', async () => {
    const fieldsOf = (body: Json) => body.errors.map((e: { field: string }) => e.field);
    const garmin: [Record<string, unknown>, string][] = [
      [{ summaryId: 'a\u0000b' }, 'activities.0.summaryId'],
      [{ activityType: 'RUN\u0000' }, 'activities.0.activityType'],
      [{ distanceInMeters: 1e308 }, 'activities.0.distanceInMeters'],
      [{ startTimeInSeconds: 1e15 }, 'activities.0.startTimeInSeconds'],
      [{ startTimeInSeconds: 9_007_199_254_740_991 }, 'activities.0.startTimeInSeconds'],
      [{ durationInSeconds: 1e12 }, 'activities.0.durationInSeconds'],
      [{ summaryId: 'x'.repeat(8_000) }, 'activities.0.summaryId'],
      [{ userId: 'u\u0000' }, 'activities.0.userId'],
    ];
    for (const [over, field] of garmin) {
      const body = await expectProblem(
        () => postJson(at('garmin'), { activities: [garminSummary('g-any', over)] }),
        422,
        'validation-failed',
      );
      expect([over, fieldsOf(body)]).toEqual([over, [field]]);
    }
    const apple: [Record<string, unknown>, string][] = [
      [{ distanceMeters: 1e308 }, 'workouts.0.distanceMeters'],
      [{ id: 'w\u0000' }, 'workouts.0.id'],
      [{ start: '1970-01-01T00:00:00Z' }, 'workouts.0.start'],
      [{ end: '2026-07-02T06:00:00-04:00' }, 'workouts.0.end'], // before its start
    ];
    for (const [over, field] of apple) {
      const raw = JSON.stringify({ workouts: [appleWorkout(over)] });
      const body = await expectProblem(
        () => postJson(at('apple-health'), raw, signedHeaders(SECRET, raw)),
        422,
        'validation-failed',
      );
      expect([over, fieldsOf(body)]).toEqual([over, [field]]);
    }
    // An event from the year 2100 would make every later real event for the activity look stale.
    const future = await expectProblem(
      () => postJson(at('strava'), stravaEvent({ event_time: 4_102_444_800 })),
      422,
      'validation-failed',
    );
    expect(fieldsOf(future)).toEqual(['event_time']);
  });

  it('a client that hangs up mid-body leaves the server serving', async () => {
    const { port } = new URL(app.url);
    await new Promise<void>((resolve) => {
      const req = http.request({
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: '/api/webhooks/garmin',
        headers: { 'content-type': 'application/json', 'content-length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"activities":[', () => {
        req.destroy();
        setTimeout(resolve, 50);
      });
    });
    expect((await postJson(at('strava'), stravaEvent({ object_id: 4343 }))).status).toBe(200);
  });
});

describe('Redis unavailable', () => {
  it('answers 503 with Retry-After, never a 2xx, and appends nothing', async () => {
    const broken = unreachableRedis();
    const other = await startApp({ pool: db.pool, redis: broken, prefix: redis.prefix });
    try {
      const before = await streamLength(redis.redis, redis.prefix);
      const res = await postJson(`${other.url}/api/webhooks/strava`, stravaEvent({ object_id: 5050 }));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as Json).type).toBe(
        'https://ops-cockpit.dev/problems/dependency-unavailable',
      );
      expect(await streamLength(redis.redis, redis.prefix)).toBe(before);
      // Not remembered as seen: the provider's retry, once Redis is back, is appended.
      const retry = await postJson(`${app.url}/api/webhooks/strava`, stravaEvent({ object_id: 5050 }));
      expect((await retry.json()) as Json).toEqual({ status: 'accepted' });
      expect(await streamLength(redis.redis, redis.prefix)).toBe(before + 1);
      const text = await (await fetch(`${other.url}/metrics`)).text();
      expect(text).toMatch(/^ops_webhook_requests_total\{provider="strava",code="503"\} 1$/m);
    } finally {
      await other.close();
      await closeRedis(broken);
    }
  });
});
