import type { ActivityInput, ActivityWrite, StravaActivity } from '@ops-cockpit/core';
import { ProviderError } from '../providers/errors.js';
import { StravaClient } from '../providers/strava-client.js';
import { deauthorize, saveTokens, type LinkedAccount } from './accounts.js';
import { upsert, type IngestAdapter, type IngestAdapterDeps, type Prepared } from './adapter.js';

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

/** Refresh a minute early so a token never expires between the check and the call. */
const TOKEN_MARGIN_MS = 60_000;

/**
 * Strava events carry ids only: an activity is fetched with the athlete's token, refreshed when it is about to
 * expire or was revoked; an athlete's `authorized: "false"` update deauthorises the account.
 */
export function createStravaIngest(deps: IngestAdapterDeps): IngestAdapter<'strava'> {
  const strava = new StravaClient({
    baseUrl: deps.settings.STRAVA_API_URL as string,
    clientId: deps.settings.STRAVA_CLIENT_ID,
    clientSecret: deps.settings.STRAVA_CLIENT_SECRET,
    call: deps.call,
  });

  async function token(pool: Parameters<typeof saveTokens>[0], account: LinkedAccount, force: boolean) {
    const fresh = account.tokenExpiresAt && account.tokenExpiresAt.getTime() - TOKEN_MARGIN_MS > Date.now();
    if (account.accessToken && fresh && !force) return account.accessToken;
    if (!account.refreshToken)
      throw new ProviderError('unauthorized', `account ${account.id} has no refresh token`);
    const tokens = await strava.refresh(account.refreshToken);
    await saveTokens(pool, account.id, tokens);
    account.accessToken = tokens.accessToken;
    account.refreshToken = tokens.refreshToken;
    account.tokenExpiresAt = tokens.expiresAt;
    return tokens.accessToken;
  }

  async function fetchActivity(pool: Parameters<typeof saveTokens>[0], account: LinkedAccount, id: number) {
    try {
      return await strava.getActivity(await token(pool, account, false), id);
    } catch (err) {
      // A token revoked or rotated elsewhere: refresh once and try again before giving up.
      if (!(err instanceof ProviderError) || err.failure !== 'unauthorized') throw err;
      return strava.getActivity(await token(pool, account, true), id);
    }
  }

  return {
    want(env, wanted) {
      if (env.body.object_type === 'activity') wanted.accounts.push(['strava', String(env.body.owner_id)]);
    },
    async prepare(env, { pool, lookups }): Promise<Prepared> {
      const e = env.body;
      const eventTime = new Date(e.event_time * 1000);
      if (e.object_type === 'athlete') {
        if (e.aspect_type === 'update' && String(e.updates.authorized) === 'false') {
          await deauthorize(pool, 'strava', String(e.owner_id));
          return { outcome: 'deauthorized' };
        }
        return { outcome: 'ignored' };
      }
      const account = await lookups.account('strava', String(e.owner_id));
      if (e.aspect_type === 'delete') {
        const write: ActivityWrite = {
          kind: 'delete',
          provider: 'strava',
          externalId: String(e.object_id),
          at: eventTime,
        };
        if (account) write.ownerUserId = account.userId;
        return { writes: [write] };
      }
      if (!account) return { outcome: 'skipped' };
      try {
        return upsert(fromStrava(await fetchActivity(pool, account, e.object_id), account.userId, eventTime));
      } catch (err) {
        // Gone at Strava (deleted since the event): nothing to apply, and no retry would change that.
        if (err instanceof ProviderError && err.failure === 'not_found') return { outcome: 'missing' };
        throw err;
      }
    },
  };
}
