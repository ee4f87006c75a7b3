import { z } from 'zod';
import {
  COLUMN_LIMITS,
  dbText,
  distanceMeters,
  durationSeconds,
  eventEpochSeconds,
  isoInstant,
} from '../contracts/column-limits.js';

/**
 * Strava webhook event (developers.strava.com/docs/webhooks): `updates` carries changed fields on an update
 * (`title`, `type`, `private`, and `authorized: "false"` when an athlete revokes access).
 */
export const stravaEventSchema = z.object({
  object_type: z.enum(['activity', 'athlete']),
  object_id: z.number().int().nonnegative(),
  aspect_type: z.enum(['create', 'update', 'delete']),
  updates: z.record(z.string(), z.unknown()).optional().default({}),
  owner_id: z.number().int().nonnegative(),
  subscription_id: z.number().int().nonnegative(),
  event_time: eventEpochSeconds,
});
export type StravaEvent = z.infer<typeof stravaEventSchema>;

/** One event is one delivery; Strava retries the same event up to three times. */
export function stravaEventId(e: StravaEvent): string {
  return `${e.object_type}:${e.object_id}:${e.aspect_type}:${e.event_time}`;
}

/** The fields the worker reads from GET /api/v3/activities/{id} (DetailedActivity). */
export const stravaActivitySchema = z.object({
  id: z.number().int(),
  athlete: z.object({ id: z.number().int() }),
  type: dbText(COLUMN_LIMITS.typeLength).optional(),
  sport_type: dbText(COLUMN_LIMITS.typeLength).optional(),
  distance: distanceMeters,
  moving_time: durationSeconds.optional(),
  start_date: isoInstant,
  /** Wall-clock digits with a misleading `Z`: only its first 19 characters are read. */
  start_date_local: z.iso.datetime({ offset: true }),
  timezone: z.string().optional(),
});
export type StravaActivity = z.infer<typeof stravaActivitySchema>;

/** POST /oauth/token answer (refresh_token grant). */
export const stravaTokenSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_at: z.number().int(),
});
