// Request bodies for the benchmark: the shapes providers send, each event distinct so none is deduplicated.
import { World, demoRoster, generateDeliveries, idBaseFor } from '@ops-cockpit/simulator';

/**
 * A Strava athlete with no linked account: the exporter does all its work for the event (it does not look up
 * owners), and the worker acknowledges it as `skipped` after one indexed lookup, so a 10-second burst of
 * ~150 k events drains in seconds instead of costing 150 k provider fetches.
 */
export const UNLINKED_STRAVA_OWNER = 9_999_999;

/** One Strava webhook event, as Strava posts it (same fields and order as the simulator's). */
export function stravaCreateBody(objectId, eventTime, ownerId = UNLINKED_STRAVA_OWNER) {
  return JSON.stringify({
    aspect_type: 'create',
    event_time: eventTime,
    object_id: objectId,
    object_type: 'activity',
    owner_id: ownerId,
    subscription_id: 0,
    updates: {},
  });
}

const GARMIN_PUSH_ONLY = {
  providers: { strava: 0, garmin: 1, apple_health: 0, polar: 0 },
  actions: {
    strava: { create: 1, update: 0, delete: 0, duplicate: 0 },
    garmin: { push: 1, ping: 0, update: 0, duplicate: 0 },
    apple_health: { create: 1, update: 0, delete: 0, duplicate: 0 },
    polar: { create: 1, duplicate: 0 },
  },
};

/**
 * Garmin push notifications (summary inline, so the worker writes without a provider call) for the demo
 * roster's linked Garmin users, from the simulator's own generator: realistic sports, distances, time zones.
 * Returns the path and body of each (a request as bench/lib/open-load.mjs sends it) and the summaryId and
 * distance the worker must write exactly once.
 */
export function garminPushDeliveries(count, seed = 7) {
  const world = new World({ roster: demoRoster(), maxActivities: count + 1_000 });
  const deliveries = generateDeliveries({
    world,
    seed,
    simulatorUrl: 'http://127.0.0.1:9',
    subscriptionId: 0,
    idBase: idBaseFor(Date.now()),
    count,
    startMs: Date.now(),
    intervalMs: 1,
    mix: GARMIN_PUSH_ONLY,
  });
  return deliveries.map((d) => {
    const [summary] = JSON.parse(d.body).activities;
    return {
      path: '/api/webhooks/garmin',
      body: d.body,
      summaryId: summary.summaryId,
      distanceM: summary.distanceInMeters,
    };
  });
}
