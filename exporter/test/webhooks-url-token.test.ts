import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import { Secret } from '@ops-cockpit/core';
import { startApp, type RunningApp } from './harness.js';
import { garminSummary, postJson, stravaEvent, streamLength, type Json } from './webhooks-support.js';

// Garmin and Strava sign nothing: the callback URL registered with each carries a secret `?token=`, and a
// delivery without it is refused before its body is read, parsed or costs a provider call.
const GARMIN = 'garmin-url-token-0123456789';
const STRAVA = 'strava-url-token-0123456789';

let db: TestDatabase;
let redis: TestRedis;
let withTokens: RunningApp;
let unset: RunningApp;

beforeAll(async () => {
  db = await createTestDatabase('whtoken');
  redis = await createTestRedis('whtoken');
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (name) VALUES ('Tok') RETURNING id`,
  );
  await db.pool.query(
    `INSERT INTO provider_accounts (user_id, provider, external_user_id) VALUES ($1, 'garmin', 'g-tok')`,
    [rows[0]!.id],
  );
  const common = { pool: db.pool, redis: redis.redis, prefix: redis.prefix };
  withTokens = await startApp({
    ...common,
    webhooks: {
      garminWebhookToken: new Secret(GARMIN),
      stravaWebhookToken: new Secret(STRAVA),
      stravaVerifyToken: new Secret('verify-me'),
      webhookTokensRequired: true,
    },
  });
  unset = await startApp({ ...common, webhooks: { webhookTokensRequired: true } });
});

afterAll(async () => {
  await withTokens?.close();
  await unset?.close();
  await redis?.close();
  await db?.drop();
});

async function refused(url: string, body: unknown, status: number): Promise<Json> {
  const before = await streamLength(redis.redis, redis.prefix);
  const res = await postJson(url, body);
  expect([url, res.status]).toEqual([url, status]);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await streamLength(redis.redis, redis.prefix)).toBe(before);
  return (await res.json()) as Json;
}

const garmin = { activities: [garminSummary('g-tok', { summaryId: 'tok-1' })] };

it('refuses a delivery without the token, or with a wrong one, before reading its body', async () => {
  for (const [path, body] of [
    ['garmin', garmin],
    ['strava', stravaEvent({ object_id: 7_001 })],
  ] as const) {
    const base = `${withTokens.url}/api/webhooks/${path}`;
    for (const url of [
      base,
      `${base}?token=`,
      `${base}?token=wrong-token-0123456789`,
      `${base}?tok=${GARMIN}`,
    ]) {
      const problem = await refused(url, body, 401);
      expect(problem.detail).toBe('the URL token is missing or wrong');
    }
    // Refused before parsing: malformed JSON without the token is a 401, not a 400.
    await refused(base, '{"not json', 401);
  }
  // Each provider's own token only.
  await refused(`${withTokens.url}/api/webhooks/garmin?token=${STRAVA}`, garmin, 401);
});

it('accepts a delivery with its token, among other query parameters', async () => {
  const before = await streamLength(redis.redis, redis.prefix);
  const g = await postJson(`${withTokens.url}/api/webhooks/garmin?x=1&token=${GARMIN}`, garmin);
  expect(g.status).toBe(200);
  const s = await postJson(
    `${withTokens.url}/api/webhooks/strava?token=${STRAVA}`,
    stravaEvent({ object_id: 7_002 }),
  );
  expect(s.status).toBe(200);
  expect(await streamLength(redis.redis, redis.prefix)).toBe(before + 2);
  // Strava's GET subscription check is its own: the verify token, not the URL token.
  const hub = await fetch(
    `${withTokens.url}/api/webhooks/strava?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=c7`,
  );
  expect(await hub.json()).toEqual({ 'hub.challenge': 'c7' });
});

it('refuses every Garmin and Strava delivery while its token is unset and tokens are required', async () => {
  const g = await refused(`${unset.url}/api/webhooks/garmin?token=${GARMIN}`, garmin, 403);
  expect(g.detail).toBe('GARMIN_WEBHOOK_TOKEN is not set');
  const s = await refused(`${unset.url}/api/webhooks/strava`, stravaEvent({ object_id: 7_003 }), 403);
  expect(s.detail).toBe('STRAVA_WEBHOOK_TOKEN is not set');
  const text = await (await fetch(`${unset.url}/metrics`)).text();
  expect(text).toMatch(/^ops_webhook_requests_total\{provider="garmin",code="403"\} 1$/m);
});
