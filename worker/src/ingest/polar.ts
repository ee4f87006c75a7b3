import {
  POLAR_API_DEFAULT_URL,
  isoDurationSeconds,
  polarStartEpochSeconds,
  type ActivityInput,
  type PolarExercise,
} from '@ops-cockpit/core';
import { ProviderError } from '../providers/errors.js';
import { PolarClient } from '../providers/polar-client.js';
import { deauthorize } from './accounts.js';
import { upsert, type IngestAdapter, type IngestAdapterDeps } from './adapter.js';
import { localTimeAtOffset } from './local-time.js';

/**
 * As Garmin's: the start instant from local time and offset, the local wall-clock time at that offset (the
 * heatmap's hour), metres as given (0 for a session without distance), the duration in whole seconds.
 */
export function fromPolar(e: PolarExercise, userId: string, sourceUpdatedAt: Date): ActivityInput {
  const startSeconds = polarStartEpochSeconds(e);
  return {
    provider: 'polar',
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

/**
 * Polar's EXERCISE notices carry ids only: the exercise is fetched from GET {POLAR_API_URL}/v3/exercises/{id}
 * with the user's token (never from the notice's `url`, which the envelope does not even carry). A user we do not
 * know, or no longer may read, is skipped as Garmin's are; 401/403 means the user withdrew the app's access at
 * Polar (AccessLink tokens do not expire and have no refresh), so the account is deauthorised; 404 means the
 * exercise is gone. Other trouble throws ProviderError, transient kinds to be retried.
 */
export function createPolarIngest(deps: IngestAdapterDeps): IngestAdapter<'polar'> {
  const polar = new PolarClient({
    baseUrl: deps.settings.POLAR_API_URL ?? POLAR_API_DEFAULT_URL,
    call: deps.call,
  });
  return {
    want(env, wanted) {
      wanted.accounts.push(['polar', String(env.body.user_id)]);
    },
    async prepare(env, { pool, lookups }) {
      const polarUserId = String(env.body.user_id);
      const account = await lookups.account('polar', polarUserId);
      if (!account?.accessToken) return { outcome: 'skipped' };
      try {
        const { exercise } = await polar.getExercise(account.accessToken, env.body.entity_id);
        return upsert(fromPolar(exercise, account.userId, new Date(env.body.timestamp)));
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        if (err.failure === 'not_found') return { outcome: 'missing' };
        if (err.failure === 'unauthorized') {
          await deauthorize(pool, 'polar', polarUserId);
          return { outcome: 'deauthorized' };
        }
        throw err;
      }
    },
  };
}
