import type { ActivityInput, AppleWorkout } from '@ops-cockpit/core';
import { upsert, type IngestAdapter } from './adapter.js';
import { localTimeInZone } from './local-time.js';

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

/** The app posts workouts with its own user id: the user must exist; data is inline, deletions included. */
export function createAppleHealthIngest(): IngestAdapter<'apple_health'> {
  return {
    want(env, wanted) {
      wanted.users.push(env.body.userId);
    },
    async prepare(env, { lookups }) {
      const receivedAt = new Date(env.receivedAt);
      const { id, userId, deleted } = env.body;
      if (!(await lookups.userExists(userId))) return { outcome: 'skipped' };
      if (deleted) {
        const at = receivedAt;
        return {
          writes: [{ kind: 'delete', provider: 'apple_health', externalId: id, at, ownerUserId: userId }],
        };
      }
      return upsert(fromApple(env.body, receivedAt));
    },
  };
}
