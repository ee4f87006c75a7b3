import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  COLUMN_LIMITS,
  dbText,
  distanceMeters,
  durationSeconds,
  epochSeconds,
  providerId,
} from '../contracts/column-limits.js';

/** An activity summary as Garmin pushes it (data inline) or returns it from a ping's callback URL. */
export const garminActivitySchema = z.object({
  userId: providerId,
  userAccessToken: z.string().optional(),
  summaryId: providerId,
  activityType: dbText(COLUMN_LIMITS.typeLength),
  startTimeInSeconds: epochSeconds,
  startTimeOffsetInSeconds: z.number().int().min(-86_400).max(86_400),
  durationInSeconds: durationSeconds,
  distanceInMeters: distanceMeters.optional().default(0),
});
export type GarminActivity = z.infer<typeof garminActivitySchema>;

/** A ping: Garmin says data is ready at `callbackURL`, to be fetched by the worker. */
export const garminPingSchema = z.object({
  userId: providerId,
  userAccessToken: z.string().optional(),
  uploadStartTimeInSeconds: z.number().int().optional(),
  uploadEndTimeInSeconds: z.number().int().optional(),
  callbackURL: z.string().url(),
});
export type GarminPing = z.infer<typeof garminPingSchema>;

/** A push or ping notification: entries with `callbackURL` are pings, the others inline summaries. */
export const garminNotificationSchema = z.object({
  activities: z
    .array(z.union([garminPingSchema, garminActivitySchema]))
    .min(1)
    .max(1_000),
});

export function isGarminPing(entry: GarminPing | GarminActivity): entry is GarminPing {
  return 'callbackURL' in entry;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22);
}

/** Same summary re-sent unchanged → same id (duplicate); a changed summary → new id (an update). */
export function garminEntryId(entry: GarminPing | GarminActivity): string {
  return isGarminPing(entry)
    ? `ping:${digest(entry.callbackURL)}`
    : `activity:${entry.summaryId}:${digest(entry)}`;
}
