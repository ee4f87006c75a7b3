import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { Secret, createRedisKeys, stravaEventId } from '@ops-cockpit/core';
import { startApp, type RunningApp } from './harness.js';
import { postJson, stravaEvent, streamEnvelopes, streamLength, type Json } from './webhooks-support.js';

const VERIFY_TOKEN = 'STRAVA-verify-7f3a';
const SUBSCRIPTION_ID = 120475;

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;
let url: string;

beforeAll(async () => {
  db = await createTestDatabase('whstrava');
  redis = await createTestRedis('whstrava');
  app = await startApp({
    pool: db.pool,
    redis: redis.redis,
    prefix: redis.prefix,
    webhooks: { stravaVerifyToken: new Secret(VERIFY_TOKEN), stravaSubscriptionId: SUBSCRIPTION_ID },
  });
  url = `${app.url}/api/webhooks/strava`;
});

afterAll(async () => {
  await app?.close();
  await redis?.close();
  await db?.drop();
});

function handshake(base: string, params: Record<string, string>): Promise<Response> {
  return fetch(`${base}/api/webhooks/strava?${new URLSearchParams(params).toString()}`);
}

describe('Strava subscription handshake', () => {
  it('echoes hub.challenge when the verify token matches', async () => {
    const res = await handshake(app.url, {
      'hub.mode': 'subscribe',
      'hub.challenge': '15f7d1a91c1f40f8a748fd134752feb3',
      'hub.verify_token': VERIFY_TOKEN,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await res.json()) as Json).toEqual({ 'hub.challenge': '15f7d1a91c1f40f8a748fd134752feb3' });
  });

  it('refuses a wrong or missing verify token with 403', async () => {
    const attempts: Record<string, string>[] = [
      { 'hub.mode': 'subscribe', 'hub.challenge': 'c', 'hub.verify_token': 'guess' },
      { 'hub.mode': 'subscribe', 'hub.challenge': 'c' },
    ];
    for (const params of attempts) {
      const res = await handshake(app.url, params);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as Json).type).toBe('https://ops-cockpit.dev/problems/forbidden');
    }
  });

  it('refuses every handshake with 403 when STRAVA_VERIFY_TOKEN is unset', async () => {
    const other = await startApp({ pool: db.pool, redis: redis.redis, prefix: redis.prefix });
    try {
      const res = await handshake(other.url, {
        'hub.mode': 'subscribe',
        'hub.challenge': 'c',
        'hub.verify_token': '',
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as Json).detail).toBe('STRAVA_VERIFY_TOKEN is not set');
    } finally {
      await other.close();
    }
  });

  it('answers 400 naming hub.challenge when it is missing', async () => {
    const res = await handshake(app.url, { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).errors).toEqual([{ field: 'hub.challenge', message: 'required' }]);
  });
});

describe('Strava events', () => {
  it('appends the events of the documentation as envelopes on the ingest stream', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    const documented = [
      stravaEvent(),
      stravaEvent({ aspect_type: 'create', object_id: 1360128429, event_time: 1516126100, updates: {} }),
      stravaEvent({ aspect_type: 'delete', object_id: 1360128429, event_time: 1516126200, updates: {} }),
      // Deauthorization: an athlete update with authorized "false", object_id = owner_id.
      stravaEvent({ object_type: 'athlete', object_id: 134815, updates: { authorized: 'false' } }),
    ];
    for (const event of documented) {
      const res = await postJson(url, event);
      expect(res.status).toBe(200);
      expect((await res.json()) as Json).toEqual({ status: 'accepted' });
    }
    const envelopes = (await streamEnvelopes(redis.redis, redis.prefix)).slice(before);
    expect(envelopes).toHaveLength(4);
    envelopes.forEach((envelope, i) => {
      const event = documented[i]!;
      expect(envelope).toEqual({
        provider: 'strava',
        kind: 'strava_event',
        eventId: stravaEventId(event as never),
        receivedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        body: event,
      });
    });
    expect(envelopes[3]!.body).toMatchObject({ object_type: 'athlete', updates: { authorized: 'false' } });
  });

  it('answers a known event again as a duplicate and appends it once', async () => {
    const event = stravaEvent({ object_id: 77, event_time: 1700000000 });
    const before = await streamLength(redis.redis, redis.prefix);
    const first = await postJson(url, event);
    const second = await postJson(url, event);
    expect(first.status).toBe(200);
    expect((await first.json()) as Json).toEqual({ status: 'accepted' });
    expect(second.status).toBe(200);
    expect((await second.json()) as Json).toEqual({ status: 'accepted', duplicate: true });
    expect(await streamLength(redis.redis, redis.prefix)).toBe(before + 1);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/^ops_webhook_duplicates_total\{provider="strava"\} 1$/m);
  });

  it('remembers the event identity for 24 hours', async () => {
    const event = stravaEvent({ object_id: 78, event_time: 1700000001 });
    expect((await postJson(url, event)).status).toBe(200);
    const ttl = await redis.redis.ttl(
      createRedisKeys(redis.prefix).seenEvent('strava', stravaEventId(event as never)),
    );
    expect(ttl).toBeGreaterThan(24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(24 * 3600);
  });

  it('refuses an event of another subscription with 403 and appends nothing', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    const res = await postJson(url, stravaEvent({ subscription_id: 999, object_id: 79 }));
    expect(res.status).toBe(403);
    const detail = ((await res.json()) as Json).detail as string;
    expect(detail).toBe('subscription_id does not match this endpoint');
    expect(detail).not.toContain(String(SUBSCRIPTION_ID));
    expect(await streamLength(redis.redis, redis.prefix)).toBe(before);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(
      /^ops_webhook_rejected_entries_total\{provider="strava",reason="subscription_mismatch"\} 1$/m,
    );
  });

  it('accepts any subscription when STRAVA_SUBSCRIPTION_ID is 0', async () => {
    const other = await startApp({ pool: db.pool, redis: redis.redis, prefix: redis.prefix });
    try {
      const res = await postJson(
        `${other.url}/api/webhooks/strava`,
        stravaEvent({ subscription_id: 5, object_id: 80 }),
      );
      expect(res.status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('answers 405 with Allow for another method', async () => {
    const res = await fetch(url, { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });
});
