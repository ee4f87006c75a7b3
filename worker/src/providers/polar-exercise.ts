import {
  isoDurationSeconds,
  polarStartEpochSeconds,
  type ActivityInput,
  type PolarExercise,
} from '@ops-cockpit/core';
import { localTimeAtOffset } from '../ingest/normalise.js';

/** An activity's fields from a Polar exercise; the caller adds `provider`. */
export type PolarActivityFields = Omit<ActivityInput, 'provider'>;

/**
 * As Garmin's: the start instant from local time and offset, the local wall-clock time at that offset (the
 * heatmap's hour), metres as given (0 for a session without distance), the duration in whole seconds.
 */
export function fromPolar(e: PolarExercise, userId: string, sourceUpdatedAt: Date): PolarActivityFields {
  const startSeconds = polarStartEpochSeconds(e);
  return {
    externalId: e.id,
    userId,
    type: e.sport,
    distanceM: e.distance ?? 0,
    movingTimeS: Math.round(isoDurationSeconds(e.duration) ?? 0),
    startDate: new Date(startSeconds * 1000),
    startDateLocal: localTimeAtOffset(startSeconds, e.start_time_utc_offset * 60),
    sourceUpdatedAt,
  };
}
