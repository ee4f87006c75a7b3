import { createHash } from 'node:crypto';
import { z } from 'zod';

/** A workout as the app's iOS client posts it from HealthKit. `userId` is the app's own user id (UUID). */
export const appleWorkoutSchema = z.object({
  id: z.string().min(1).max(200),
  userId: z.string().uuid(),
  type: z.string().min(1).max(100),
  start: z.string().datetime({ offset: true }),
  end: z.string().datetime({ offset: true }),
  timezone: z.string().min(1).max(64),
  distanceMeters: z.number().nonnegative(),
  /** Set when the workout was deleted on the phone. */
  deleted: z.boolean().optional(),
});
export type AppleWorkout = z.infer<typeof appleWorkoutSchema>;

export const appleDeliverySchema = z.object({
  workouts: z.array(appleWorkoutSchema).min(1).max(1_000),
});

export function appleWorkoutId(w: AppleWorkout): string {
  return `${w.id}:${createHash('sha256').update(JSON.stringify(w)).digest('base64url').slice(0, 22)}`;
}
