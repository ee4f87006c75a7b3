import { randomUUID } from 'node:crypto';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { garminEntryId } from '@ops-cockpit/core';
import { startApp, type RunningApp } from './harness.js';
import {
  garminPing,
  garminSummary,
  postJson,
  streamEnvelopes,
  streamLength,
  type Json,
} from './webhooks-support.js';

let db: TestDatabase;
let redis: TestRedis;
let app: RunningApp;
let url: string;

const LINKED = 'garmin-user-linked-1';
const DEAUTHORIZED = 'garmin-user-gone-2';

async function linkGarmin(externalUserId: string, opts: { deauthorized?: boolean } = {}): Promise<void> {
  const { rows } = await db.pool.query<{ id: string }>(`INSERT INTO users (name) VALUES ($1) RETURNING id`, [
    `user ${externalUserId}`,
  ]);
  await db.pool.query(
    `INSERT INTO provider_accounts (user_id, provider, external_user_id, deauthorized_at)
     VALUES ($1, 'garmin', $2, $3)`,
    [rows[0]!.id, externalUserId, opts.deauthorized ? new Date() : null],
  );
}

beforeAll(async () => {
  db = await createTestDatabase('whgarmin');
  redis = await createTestRedis('whgarmin');
  await linkGarmin(LINKED);
  await linkGarmin(DEAUTHORIZED, { deauthorized: true });
  // An account of another provider with the same external id must not count.
  const { rows } = await db.pool.query<{ id: string }>(`INSERT INTO users (name) VALUES ('s') RETURNING id`);
  await db.pool.query(
    `INSERT INTO provider_accounts (user_id, provider, external_user_id) VALUES ($1, 'strava', 'garmin-lookalike')`,
    [rows[0]!.id],
  );
  app = await startApp({ pool: db.pool, redis: redis.redis, prefix: redis.prefix });
  url = `${app.url}/api/webhooks/garmin`;
});

afterAll(async () => {
  await app?.close();
  await redis?.close();
  await db?.drop();
});

async function metricsText(): Promise<string> {
  return (await fetch(`${app.url}/metrics`)).text();
}

describe('Garmin notifications', () => {
  it('appends a push (inline summary) and a ping of a linked user as one envelope each', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    const push = garminSummary(LINKED);
    const ping = garminPing(LINKED, 1);
    const res = await postJson(url, { activities: [push, ping] });
    expect(res.status).toBe(200);
    expect((await res.json()) as Json).toEqual({ accepted: 2, duplicates: 0 });

    const envelopes = (await streamEnvelopes(redis.redis, redis.prefix)).slice(before);
    expect(envelopes.map((e) => [e.provider, e.kind, e.eventId])).toEqual([
      ['garmin', 'garmin_activity', garminEntryId(push as never)],
      ['garmin', 'garmin_ping', garminEntryId(ping as never)],
    ]);
    expect(envelopes[0]!.body).toEqual(push);
    expect(envelopes[1]!.body).toEqual(ping);
    const text = await metricsText();
    expect(text).toMatch(
      /^ops_webhook_events_total\{provider="garmin",object_type="activity",aspect_type="push"\} 1$/m,
    );
    expect(text).toMatch(
      /^ops_webhook_events_total\{provider="garmin",object_type="activity",aspect_type="ping"\} 1$/m,
    );
  });

  it('counts a re-sent summary as a duplicate, and a changed one as new', async () => {
    const summary = garminSummary(LINKED, { summaryId: 'dup-1' });
    expect((await (await postJson(url, { activities: [summary] })).json()) as Json).toEqual({
      accepted: 1,
      duplicates: 0,
    });
    const before = await streamLength(redis.redis, redis.prefix);
    const changed = { ...summary, distanceInMeters: 7_000 };
    const res = await postJson(url, { activities: [summary, changed, changed] });
    expect((await res.json()) as Json).toEqual({ accepted: 1, duplicates: 2 });
    expect(await streamLength(redis.redis, redis.prefix)).toBe(before + 1);
  });

  it('refuses a delivery whose entries all belong to unknown or deauthorised users with 403', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    for (const userId of ['nobody', DEAUTHORIZED, 'garmin-lookalike']) {
      const res = await postJson(url, { activities: [garminSummary(userId, { summaryId: `x-${userId}` })] });
      expect(res.status).toBe(403);
      expect(((await res.json()) as Json).detail).toBe('no entry belongs to a linked Garmin account');
    }
    expect(await streamLength(redis.redis, redis.prefix)).toBe(before);
    expect(await metricsText()).toMatch(
      /^ops_webhook_rejected_entries_total\{provider="garmin",reason="unknown_user"\} 3$/m,
    );
  });

  it('keeps the linked entries of a mixed delivery and drops the others', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    const res = await postJson(url, {
      activities: [
        garminSummary('stranger', { summaryId: 'm-1' }),
        garminSummary(LINKED, { summaryId: 'm-2' }),
      ],
    });
    expect((await res.json()) as Json).toEqual({ accepted: 1, duplicates: 0 });
    const envelopes = (await streamEnvelopes(redis.redis, redis.prefix)).slice(before);
    expect(envelopes.map((e) => (e.body as { summaryId: string }).summaryId)).toEqual(['m-2']);
  });

  it('learns a newly linked account on the next refresh, never by a query per request', async () => {
    const fresh = `garmin-${randomUUID()}`;
    await linkGarmin(fresh);
    const entry = { activities: [garminSummary(fresh, { summaryId: 'new-1' })] };
    expect((await postJson(url, entry)).status).toBe(403);
    expect(await app.linkedAccounts.refresh()).toBe(true);
    expect((await postJson(url, entry)).status).toBe(200);
  });

  it('names the bad field of a ping or a summary (422), whichever the entry is', async () => {
    const before = await streamLength(redis.redis, redis.prefix);
    const res = await postJson(url, {
      activities: [
        { userId: LINKED, callbackURL: 'not a url' },
        { ...garminSummary(LINKED), summaryId: undefined, startTimeInSeconds: 'soon' },
      ],
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as Json;
    expect(body.errors.map((e: { field: string }) => e.field)).toEqual([
      'activities.0.callbackURL',
      'activities.1.summaryId',
      'activities.1.startTimeInSeconds',
    ]);
    expect(await streamLength(redis.redis, redis.prefix)).toBe(before);
  });

  it('defers (503) rather than refuses while the linked accounts were never loaded', async () => {
    const other = await startApp({ pool: db.pool, redis: redis.redis, prefix: redis.prefix });
    try {
      // Simulate a first load that failed: the set is empty and not loaded.
      Object.defineProperty(other.linkedAccounts, 'loaded', { value: false });
      const res = await postJson(`${other.url}/api/webhooks/garmin`, { activities: [garminSummary(LINKED)] });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      await other.close();
    }
  });
});
