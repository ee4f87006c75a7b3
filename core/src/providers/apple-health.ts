import { createHash } from 'node:crypto';
import { z } from 'zod';
import { COLUMN_LIMITS, dbText, distanceMeters, isoInstant, providerId } from '../contracts/column-limits.js';

/** A workout as the app's iOS client posts it from HealthKit. `userId` is the app's own user id (UUID). */
export const appleWorkoutSchema = z
  .object({
    id: providerId,
    userId: z.uuid(),
    type: dbText(COLUMN_LIMITS.typeLength),
    start: isoInstant,
    end: isoInstant,
    /** IANA zone the workout happened in; an unknown one falls back to the offset written in `start`. */
    timezone: dbText(64),
    distanceMeters,
    /** Set when the workout was deleted on the phone. */
    deleted: z.boolean().optional(),
  })
  .refine((w) => Date.parse(w.end) >= Date.parse(w.start), {
    path: ['end'],
    message: 'must not be before start',
  });
export type AppleWorkout = z.infer<typeof appleWorkoutSchema>;

export const appleDeliverySchema = z.object({
  workouts: z.array(appleWorkoutSchema).min(1).max(1_000),
});

export function appleWorkoutId(w: AppleWorkout): string {
  return `${w.id}:${createHash('sha256').update(JSON.stringify(w)).digest('base64url').slice(0, 22)}`;
}
