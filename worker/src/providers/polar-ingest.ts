import type { PolarExerciseNotice } from '@ops-cockpit/core';
import type { LinkedAccount } from '../ingest/accounts.js';
import { ProviderError } from './errors.js';
import type { PolarClient } from './polar-client.js';
import { fromPolar, type PolarActivityFields } from './polar-exercise.js';

/** What the lookups and the provider say; account lookup and deauthorization are passed in. */
export interface PolarIngestDeps {
  client: PolarClient;
  /** The live account of a Polar user id, or undefined (unknown, or deauthorized). */
  account(polarUserId: string): Promise<LinkedAccount | undefined>;
  /** The user took the app's access away at Polar: keep the row, stop using it. */
  deauthorize(polarUserId: string): Promise<unknown>;
}

/** An exercise notice after its provider call: the activity to upsert, or why there is none. */
export type PolarPrepared =
  { fields: PolarActivityFields } | { outcome: 'skipped' | 'missing' | 'deauthorized' };

/**
 * One EXERCISE notice: the user's account, then GET {POLAR_API_URL}/v3/exercises/{entity_id} with their token
 * (never the notice's `url`, which the envelope does not even carry). A user we do not know, or no longer may
 * read, is skipped as Garmin's are; 401/403 means the user withdrew the app's access at Polar (AccessLink tokens
 * do not expire), so the account is deauthorized; 404 means the exercise is gone. Other provider trouble throws
 * ProviderError, transient kinds to be retried.
 */
export async function preparePolarExercise(
  deps: PolarIngestDeps,
  notice: PolarExerciseNotice,
): Promise<PolarPrepared> {
  const polarUserId = String(notice.user_id);
  const account = await deps.account(polarUserId);
  if (!account?.accessToken) return { outcome: 'skipped' };
  try {
    const { exercise } = await deps.client.getExercise(account.accessToken, notice.entity_id);
    return { fields: fromPolar(exercise, account.userId, new Date(notice.timestamp)) };
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    if (err.failure === 'not_found') return { outcome: 'missing' };
    if (err.failure === 'unauthorized') {
      await deps.deauthorize(polarUserId);
      return { outcome: 'deauthorized' };
    }
    throw err;
  }
}
