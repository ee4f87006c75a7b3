import type { AppleWorkout, GarminActivity } from '@ops-cockpit/core';
import type { DemoUser } from './roster.js';
import { isoWithOffset, localIso, offsetSecondsAt, stravaTimezone } from './time-zones.js';
import type { SimActivity } from './world.js';
import { ACTIVITY_TYPES } from './workouts.js';

/** How each provider writes the simulator's activities and athletes on the wire. Pure formatting. */

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

function splitName(name: string): { firstname: string; lastname: string } {
  const [firstname = name, ...rest] = name.split(' ');
  return { firstname, lastname: rest.join(' ') };
}

/** GET /api/v3/athlete: the fields of Strava's DetailedAthlete an app reads. */
export function stravaAthlete(user: DemoUser): Record<string, unknown> {
  return {
    id: user.stravaAthleteId,
    username: `athlete${user.stravaAthleteId}`,
    resource_state: 3,
    ...splitName(user.name),
    bio: '',
    city: user.timezone.split('/')[1]?.replace(/_/g, ' ') ?? '',
    state: '',
    country: '',
    sex: null,
    premium: user.index % 3 === 0,
    summit: user.index % 3 === 0,
    created_at: '2020-01-01T00:00:00Z',
    updated_at: '2020-01-01T00:00:00Z',
    badge_type_id: 0,
    weight: null,
    profile_medium: 'avatar/athlete/medium.png',
    profile: 'avatar/athlete/large.png',
    follower_count: 0,
    friend_count: 0,
    measurement_preference: 'meters',
    ftp: null,
    clubs: [],
    bikes: [],
    shoes: [],
  };
}

/**
 * GET /api/v3/activities/{id}: Strava's DetailedActivity. `start_date_local` is wall-clock time written with a
 * trailing `Z`, exactly as Strava does (it is not UTC), and `timezone` names the zone with its offset.
 */
export function stravaDetailedActivity(a: SimActivity): Record<string, unknown> {
  const offset = offsetSecondsAt(a.user.timezone, a.startMs);
  const type = ACTIVITY_TYPES.strava[a.sport];
  return {
    id: Number(a.externalId),
    resource_state: 3,
    external_id: `sim-${a.externalId}.fit`,
    upload_id: Number(a.externalId) + 1,
    athlete: { id: a.user.stravaAthleteId, resource_state: 1 },
    name: a.name,
    description: null,
    distance: a.distanceM,
    moving_time: a.movingTimeS,
    elapsed_time: a.elapsedTimeS,
    total_elevation_gain: round(a.distanceM / 250, 1),
    type,
    sport_type: type,
    start_date: `${new Date(Math.floor(a.startMs / 1000) * 1000).toISOString().slice(0, 19)}Z`,
    start_date_local: `${localIso(a.startMs, offset)}Z`,
    timezone: stravaTimezone(a.user.timezone, a.startMs),
    utc_offset: offset,
    location_country: null,
    achievement_count: 0,
    kudos_count: 0,
    comment_count: 0,
    athlete_count: 1,
    photo_count: 0,
    trainer: false,
    commute: false,
    manual: false,
    private: false,
    visibility: 'everyone',
    flagged: false,
    average_speed: round(a.distanceM / Math.max(1, a.movingTimeS), 3),
    max_speed: round((a.distanceM / Math.max(1, a.movingTimeS)) * 1.6, 3),
    has_heartrate: false,
    device_name: 'Ops Cockpit Simulator',
  };
}

/** A Garmin activity summary, as pushed inline or returned from a ping's callback URL. */
export function garminSummary(a: SimActivity): GarminActivity & Record<string, unknown> {
  return {
    userId: a.user.garminUserId,
    userAccessToken: a.user.garminAccessToken,
    summaryId: a.externalId,
    activityType: ACTIVITY_TYPES.garmin[a.sport],
    activityName: a.name,
    startTimeInSeconds: Math.floor(a.startMs / 1000),
    startTimeOffsetInSeconds: offsetSecondsAt(a.user.timezone, a.startMs),
    durationInSeconds: a.elapsedTimeS,
    distanceInMeters: a.distanceM,
    averageSpeedInMetersPerSecond: round(a.distanceM / Math.max(1, a.movingTimeS), 3),
    activeKilocalories: Math.round(a.distanceM / 15),
    deviceName: 'Forerunner 265',
    manual: false,
  };
}

/** A workout as the app's iOS client posts it: instants with the local offset, and the zone it happened in. */
export function appleWorkout(a: SimActivity, opts: { deleted?: boolean } = {}): AppleWorkout {
  const startOffset = offsetSecondsAt(a.user.timezone, a.startMs);
  const endMs = a.startMs + a.elapsedTimeS * 1000;
  return {
    id: a.externalId,
    userId: a.user.id,
    type: ACTIVITY_TYPES.apple_health[a.sport],
    start: isoWithOffset(a.startMs, startOffset),
    end: isoWithOffset(endMs, offsetSecondsAt(a.user.timezone, endMs)),
    timezone: a.user.timezone,
    distanceMeters: a.distanceM,
    ...(opts.deleted ? { deleted: true } : {}),
  };
}
