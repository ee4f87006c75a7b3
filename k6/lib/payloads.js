// Webhook bodies as the providers post them, for every k6 script. Each event gets an id no other VU, iteration
// or run uses, so the exporter's 24-hour deduplication never takes a load-test event for a re-delivery.
/* global __ENV */
import exec from 'k6/execution';

/** Demo users whose Garmin accounts `npm run seed` links (garmin-user-1 … garmin-user-50). */
export const DEMO_USERS = 50;

/** A Strava athlete with no linked account: the exporter accepts the event, the worker skips it cheaply. */
export const UNLINKED_STRAVA_OWNER = 9_999_999;

/**
 * The base of this run's ids, taken once in setup() (init code runs once per VU, at different instants):
 * seconds since the epoch x 100 000, so every run's ids are above every earlier run's.
 * @returns {{ runBase: number }}
 */
export function runData() {
  return { runBase: Math.floor(Date.now() / 1000) * 100_000 };
}

/**
 * A number no other request of this run uses: the run base + the iteration's index across the whole test
 * (each script has one load scenario).
 * @param {{ runBase: number }} data
 */
export function uniqueId(data) {
  return data.runBase + exec.scenario.iterationInTest;
}

/**
 * @param {number} objectId
 * @param {{ ownerId?: number, aspect?: 'create' | 'update' | 'delete', subscriptionId?: number }} [opts]
 * @returns {string}
 */
export function stravaEvent(objectId, opts = {}) {
  return JSON.stringify({
    aspect_type: opts.aspect ?? 'create',
    event_time: Math.floor(Date.now() / 1000),
    object_id: objectId,
    object_type: 'activity',
    owner_id: opts.ownerId ?? UNLINKED_STRAVA_OWNER,
    subscription_id: opts.subscriptionId ?? 0,
    updates: {},
  });
}

/**
 * A Garmin push: one activity summary inline, for a linked demo user, so the worker writes it with no
 * provider call and the challenge total moves by exactly `distanceInMeters`.
 * @param {number} id
 * @param {number} distanceM
 * @returns {string}
 */
export function garminPush(id, distanceM) {
  const user = 1 + (id % DEMO_USERS);
  const start = Math.floor(Date.now() / 1000) - 3600;
  return JSON.stringify({
    activities: [
      {
        userId: `garmin-user-${user}`,
        userAccessToken: `garmin-token-${user}`,
        summaryId: `k6-${id}`,
        activityType: 'RUNNING',
        activityName: 'k6 run',
        startTimeInSeconds: start,
        startTimeOffsetInSeconds: 0,
        durationInSeconds: 1800,
        distanceInMeters: distanceM,
        averageSpeedInMetersPerSecond: Math.round((distanceM / 1800) * 1000) / 1000,
        activeKilocalories: Math.round(distanceM / 15),
        deviceName: 'k6',
        manual: false,
      },
    ],
  });
}

export const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** The exporter under test: BASE_URL, default the local `npm start`. */
export function baseUrl() {
  return (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
}

/**
 * A provider's webhook URL, with `?token=` from GARMIN_WEBHOOK_TOKEN or STRAVA_WEBHOOK_TOKEN when set (as the
 * exporter under test requires them unless WEBHOOK_TOKENS_REQUIRED=false).
 * @param {'garmin' | 'strava'} provider
 */
export function webhookUrl(provider) {
  const token = __ENV[`${provider.toUpperCase()}_WEBHOOK_TOKEN`];
  const url = `${baseUrl()}/api/webhooks/${provider}`;
  return token ? `${url}?token=${encodeURIComponent(token)}` : url;
}

/**
 * A positive number from the environment, or the default.
 * @param {string} name
 * @param {number} def
 */
export function envNumber(name, def) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}
