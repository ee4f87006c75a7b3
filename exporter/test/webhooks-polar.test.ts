import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { Secret, signPolarWebhook } from '@ops-cockpit/core';
import { startApp, type RunningApp } from './harness.js';
import { postJson, streamEnvelopes, streamLength, type Json } from './webhooks-support.js';

/** Polar AccessLink deliveries, as polar.com/accesslink-api documents them, through the real receiving path. */

const KEY = 'abe1f3ae-fd33-11e8-8eb2-f2801f1b9fd1';

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;
let unconfigured: RunningApp;
let url: string;

beforeAll(async () => {
  db = await createTestDatabase('whpolar');
  redis = await createTestRedis('whpolar');
  app = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    webhooks: { polarSecret: new Secret(KEY) },
  });
  // No POLAR_WEBHOOK_SECRET yet: the state while the webhook is being created.
  unconfigured = await startApp({ pool: db.pool, redis: redis.redis, prefix: redis.prefix });
  url = `${app.url}/api/webhooks/polar`;
});

afterAll(async () => {
  await unconfigured?.close();
  await app?.close();
  await redis?.close();
  await db?.drop();
});

function exercise(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event: 'EXERCISE',
    user_id: 475,
    entity_id: 'aQlC83',
    timestamp: '2018-05-15T14:22:24Z',
    url: 'https://www.polaraccesslink.com/v3/exercises/aQlC83',
    ...overrides,
  };
}

const PING = JSON.stringify({ event: 'PING', timestamp: '2018-05-15T14:22:24Z' });

const signed = (body: string, key = KEY) => ({ 'polar-webhook-signature': signPolarWebhook(key, body) });

/** Posts, expects `status`, and checks the ingest stream did not grow. */
async function expectNothingAppended(res: Promise<Response>, status: number, before: number): Promise<Json> {
  const answer = await res;
  expect(answer.status).toBe(status);
  const body = (await answer.json()) as Json;
  expect(await streamLength(redis.redis, redis.prefix)).toBe(before);
  return body;
}

describe('Polar deliveries', () => {
  it('appends a signed EXERCISE event as one envelope without its url, and a re-send as a duplicate', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    const body = JSON.stringify(exercise());
    const res = await postJson(url, body, signed(body));
    expect(res.status).toBe(200);
    expect((await res.json()) as Json).toEqual({ accepted: 1, duplicates: 0 });
    expect((await streamEnvelopes(redis.redis, redis.prefix)).slice(before)).toEqual([
      {
        provider: 'polar',
        kind: 'polar_exercise',
        eventId: 'exercise:475:aQlC83',
        receivedAt: expect.any(String),
        body: { event: 'EXERCISE', user_id: 475, entity_id: 'aQlC83', timestamp: '2018-05-15T14:22:24Z' },
      },
    ]);
    // Polar retries with a new timestamp: the same exercise, acknowledged and not appended again.
    const again = JSON.stringify(exercise({ timestamp: '2018-05-15T14:32:24Z' }));
    const dup = await postJson(url, again, signed(again));
    expect((await dup.json()) as Json).toEqual({ accepted: 0, duplicates: 1 });
    expect(await streamLength(redis.redis, redis.prefix)).toBe(before + 1);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(
      /^ops_webhook_events_total\{provider="polar",object_type="exercise",aspect_type="create"\} 2$/m,
    );
    expect(text).toMatch(/^ops_webhook_duplicates_total\{provider="polar"\} 1$/m);
  });

  it('answers the creation PING 200 and appends nothing, signed or not, even with no secret set', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    for (const [target, headers] of [
      [url, signed(PING)],
      [url, {}],
      [url, signed(PING, 'a-key-from-another-webhook')],
      [`${unconfigured.url}/api/webhooks/polar`, {}],
    ] as const) {
      const body = await expectNothingAppended(postJson(target, PING, headers), 200, before);
      expect(body).toEqual({ accepted: 0, duplicates: 0 });
    }
  });

  it('refuses an unsigned, forged or tampered exercise with 401, before reading it', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    const body = JSON.stringify(exercise({ entity_id: 'bQlC84' }));
    const cases: [string, Record<string, string>, string][] = [
      [body, {}, 'missing_signature'],
      [body, signed(body, 'another-signature-key-0123'), 'bad_signature'],
      [body.replace('475', '476'), signed(body), 'bad_signature'],
      [body, { 'polar-webhook-signature': 'v1,not-hex' }, 'bad_signature'],
      // Not even JSON: unverifiable, so 401 and never a parse error.
      ['{"event": "EXERCI', {}, 'missing_signature'],
    ];
    for (const [text, headers, reason] of cases) {
      const problem = await expectNothingAppended(postJson(url, text, headers), 401, before);
      expect(problem).toMatchObject({ type: 'https://ops-cockpit.dev/problems/unauthorized', reason });
    }
  });

  it('refuses exercises while POLAR_WEBHOOK_SECRET is unset (403)', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    const body = JSON.stringify(exercise({ entity_id: 'cQlC85' }));
    const problem = await expectNothingAppended(
      postJson(`${unconfigured.url}/api/webhooks/polar`, body, signed(body)),
      403,
      before,
    );
    expect(problem.detail).toBe('POLAR_WEBHOOK_SECRET is not set');
  });

  it('answers signed wrong content with 4xx naming the field, appending nothing', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    const cases: [string, number, string | undefined][] = [
      ['{"event": ', 400, undefined],
      [JSON.stringify(exercise({ event: 'SLEEP' })), 422, 'event'],
      [JSON.stringify(exercise({ entity_id: '../../users/475' })), 422, 'entity_id'],
      [JSON.stringify(exercise({ user_id: 'someone' })), 422, 'user_id'],
      [JSON.stringify(exercise({ timestamp: 'yesterday' })), 422, 'timestamp'],
      [JSON.stringify([exercise()]), 422, undefined],
    ];
    for (const [text, status, field] of cases) {
      const problem = await expectNothingAppended(postJson(url, text, signed(text)), status, before);
      if (field) expect(problem.errors).toEqual([expect.objectContaining({ field })]);
    }
    // And a GET is not a Polar method.
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});
