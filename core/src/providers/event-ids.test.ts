import { appleWorkoutId, type AppleWorkout } from './apple-health.js';
import { garminEntryId, isGarminPing, type GarminActivity, type GarminPing } from './garmin.js';
import { polarEventId } from './polar.js';
import { stravaEventId, type StravaEvent } from './strava.js';

// The dedup ids the exporter's atomic append keys on: the same delivery again must get the same id (a
// duplicate), a different event a different one (never dropped as a duplicate).
const strava: StravaEvent = {
  object_type: 'activity',
  object_id: 42,
  aspect_type: 'update',
  updates: { title: 'x' },
  owner_id: 7,
  subscription_id: 1,
  event_time: 1_700_000_000,
};
const summary: GarminActivity = {
  userId: 'g-1',
  summaryId: 's-1',
  activityType: 'RUNNING',
  startTimeInSeconds: 1_700_000_000,
  startTimeOffsetInSeconds: 0,
  durationInSeconds: 600,
  distanceInMeters: 1_000,
};
const ping: GarminPing = { userId: 'g-1', callbackURL: 'https://apis.garmin.com/x?token=1' };
const workout: AppleWorkout = {
  id: 'w-1',
  userId: '00000000-0000-4000-8000-000000000001',
  type: 'Run',
  start: '2026-07-01T06:00:00Z',
  end: '2026-07-01T06:30:00Z',
  timezone: 'Europe/Berlin',
  distanceMeters: 5_000,
};

describe('provider event ids', () => {
  it('Strava: object, id, aspect and event time; a retry of the same event is the same id', () => {
    expect(stravaEventId(strava)).toBe('activity:42:update:1700000000');
    expect(stravaEventId({ ...strava, updates: { title: 'y' } })).toBe(stravaEventId(strava));
    for (const other of [
      { object_type: 'athlete' as const },
      { object_id: 43 },
      { aspect_type: 'create' as const },
      { event_time: 1_700_000_001 },
    ]) {
      expect(stravaEventId({ ...strava, ...other })).not.toBe(stravaEventId(strava));
    }
  });

  it('Garmin: a summary by id and content (a changed summary is an update), a ping by its callback', () => {
    const id = garminEntryId(summary);
    expect(id).toMatch(/^activity:s-1:[A-Za-z0-9_-]{22}$/);
    expect(garminEntryId({ ...summary })).toBe(id);
    expect(garminEntryId({ ...summary, distanceInMeters: 1_001 })).not.toBe(id);
    expect(garminEntryId({ ...summary, summaryId: 's-2' })).toMatch(/^activity:s-2:/);
    expect(isGarminPing(ping)).toBe(true);
    expect(isGarminPing(summary)).toBe(false);
    const pingId = garminEntryId(ping);
    expect(pingId).toMatch(/^ping:[A-Za-z0-9_-]{22}$/);
    expect(garminEntryId({ ...ping, uploadStartTimeInSeconds: 5 })).toBe(pingId); // only the callback counts
    expect(garminEntryId({ ...ping, callbackURL: 'https://apis.garmin.com/x?token=2' })).not.toBe(pingId);
  });

  it('Apple Health: the workout id and a digest of its content', () => {
    const id = appleWorkoutId(workout);
    expect(id).toMatch(/^w-1:[A-Za-z0-9_-]{22}$/);
    expect(appleWorkoutId({ ...workout })).toBe(id);
    expect(appleWorkoutId({ ...workout, distanceMeters: 5_001 })).not.toBe(id);
    expect(appleWorkoutId({ ...workout, deleted: true })).not.toBe(id);
  });

  it('Polar: user and exercise, whatever the notification timestamp', () => {
    expect(polarEventId({ user_id: 70005, entity_id: 'aBc' })).toBe('exercise:70005:aBc');
    expect(polarEventId({ user_id: 70010, entity_id: 'aBc' })).not.toBe(
      polarEventId({ user_id: 70005, entity_id: 'aBc' }),
    );
  });
});
