import {
  createRedisKeys,
  INGEST_FIELD,
  signWebhook,
  type IngestEnvelope,
  type Redis,
} from '@ops-cockpit/core';

/** Shared by the webhooks-*.test.ts files: requests, stream reads and provider payloads shaped as documented. */

// Response bodies are checked field by field; the tests read them loosely typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Every envelope on the test's ingest stream, oldest first. */
export async function streamEnvelopes(redis: Redis, prefix: string): Promise<IngestEnvelope[]> {
  const entries = await redis.xrange(createRedisKeys(prefix).ingestStream, '-', '+');
  return entries.map(([, fields]) => {
    expect(fields[0]).toBe(INGEST_FIELD);
    return JSON.parse(fields[1]!) as IngestEnvelope;
  });
}

export function streamLength(redis: Redis, prefix: string): Promise<number> {
  return redis.xlen(createRedisKeys(prefix).ingestStream);
}

/** A Strava event as developers.strava.com/docs/webhooks shows it; `overrides` make each test's own. */
export function stravaEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aspect_type: 'update',
    event_time: 1516126040,
    object_id: 1360128428,
    object_type: 'activity',
    owner_id: 134815,
    subscription_id: 120475,
    updates: { title: 'Messy' },
    ...overrides,
  };
}

/** A Garmin Activity API push entry (summary inline). */
export function garminSummary(
  userId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    userId,
    userAccessToken: 'a1b2c3',
    summaryId: '5001968355',
    activityType: 'RUNNING',
    startTimeInSeconds: 1_719_900_000,
    startTimeOffsetInSeconds: -14_400,
    durationInSeconds: 1_800,
    distanceInMeters: 5_000.5,
    ...overrides,
  };
}

/** A Garmin ping entry: the data waits at `callbackURL`. */
export function garminPing(userId: string, n = 1): Record<string, unknown> {
  return {
    userId,
    userAccessToken: 'a1b2c3',
    uploadStartTimeInSeconds: 1_719_900_000,
    uploadEndTimeInSeconds: 1_719_986_400,
    callbackURL: `https://apis.garmin.com/wellness-api/rest/activities?uploadStartTimeInSeconds=${n}&token=x`,
  };
}

export function appleWorkout(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'A1B2C3D4-0000-4000-8000-000000000001',
    userId: '6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f',
    type: 'running',
    start: '2026-07-02T06:30:00-04:00',
    end: '2026-07-02T07:05:00-04:00',
    timezone: 'America/New_York',
    distanceMeters: 6_200,
    ...overrides,
  };
}

/** Standard Webhooks headers for `body`, signed now (or at `timestamp`) with `secret`. */
export function signedHeaders(
  secret: string,
  body: string,
  opts: { id?: string; timestamp?: number } = {},
): Record<string, string> {
  const id = opts.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, id, timestamp, body),
  };
}
