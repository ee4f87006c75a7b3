import type { ActivityInput, AppleWorkout, GarminActivity, StravaActivity } from '@ops-cockpit/core';

/** `YYYY-MM-DDTHH:MM:SS` of an instant as seen from a fixed UTC offset. */
export function localTimeAtOffset(epochSeconds: number, offsetSeconds: number): string {
  return new Date((epochSeconds + offsetSeconds) * 1000).toISOString().slice(0, 19);
}

/** `YYYY-MM-DDTHH:MM:SS` of an instant in an IANA zone; undefined when the zone is unknown. */
export function localTimeInZone(instant: Date, timeZone: string): string | undefined {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(instant);
  } catch {
    return undefined;
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
}

/** Strava writes start_date_local as wall-clock time with a misleading `Z`; keep the digits. */
export function fromStrava(a: StravaActivity, userId: string, eventTime: Date): ActivityInput {
  return {
    provider: 'strava',
    externalId: String(a.id),
    userId,
    type: a.sport_type ?? a.type ?? 'Workout',
    distanceM: a.distance,
    movingTimeS: a.moving_time ?? null,
    startDate: new Date(a.start_date),
    startDateLocal: a.start_date_local.slice(0, 19),
    sourceUpdatedAt: eventTime,
  };
}

export function fromGarmin(a: GarminActivity, userId: string, receivedAt: Date): ActivityInput {
  return {
    provider: 'garmin',
    externalId: a.summaryId,
    userId,
    type: a.activityType,
    distanceM: a.distanceInMeters,
    movingTimeS: a.durationInSeconds,
    startDate: new Date(a.startTimeInSeconds * 1000),
    startDateLocal: localTimeAtOffset(a.startTimeInSeconds, a.startTimeOffsetInSeconds),
    sourceUpdatedAt: receivedAt,
  };
}

/** HealthKit gives an instant and the zone it happened in; without a known zone, the offset written in `start`. */
export function fromApple(w: AppleWorkout, receivedAt: Date): ActivityInput {
  const start = new Date(w.start);
  const end = new Date(w.end);
  return {
    provider: 'apple_health',
    externalId: w.id,
    userId: w.userId,
    type: w.type,
    distanceM: w.distanceMeters,
    movingTimeS: Math.max(0, Math.round((end.getTime() - start.getTime()) / 1000)),
    startDate: start,
    startDateLocal: localTimeInZone(start, w.timezone) ?? w.start.slice(0, 19),
    sourceUpdatedAt: receivedAt,
  };
}
