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
 * Strava events carry ids only and are not signed, so what one claims is confirmed with Strava before it changes
 * anything: an activity is fetched with the athlete's token (refreshed when about to expire or revoked); a
 * delete is applied only when Strava answers 404 for the activity with that token; an athlete's
 * `authorized: "false"` deauthorises the account only when Strava refuses the athlete's token, refreshed or not.
 * Unconfirmed claims change nothing (`unconfirmed`).
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

  const failed = (err: unknown, ...failures: ProviderError['failure'][]) =>
    err instanceof ProviderError && failures.includes(err.failure);

  /**
   * `call` with the athlete's token; when it fails as `retryOn` says (a token revoked or rotated elsewhere),
   * once more with a freshly refreshed one before giving up.
   */
  async function withToken<T>(
    pool: Parameters<typeof saveTokens>[0],
    account: LinkedAccount,
    call: (accessToken: string) => Promise<T>,
    retryOn: (err: unknown) => boolean,
  ): Promise<T> {
    try {
      return await call(await token(pool, account, false));
    } catch (err) {
      if (!retryOn(err)) throw err;
      return call(await token(pool, account, true));
    }
  }

  function fetchActivity(pool: Parameters<typeof saveTokens>[0], account: LinkedAccount, id: number) {
    return withToken(
      pool,
      account,
      (t) => strava.getActivity(t, id),
      (err) => failed(err, 'unauthorized'),
    );
  }

  /**
   * Whether Strava still honours the athlete's token, refreshing it once if refused: false only when Strava
   * refuses both (401 or an invalid grant). Other trouble throws, to be retried.
   */
  async function stillAuthorized(pool: Parameters<typeof saveTokens>[0], account: LinkedAccount) {
    const refused = (err: unknown) => failed(err, 'unauthorized', 'bad_response');
    try {
      await withToken(pool, account, (t) => strava.getAthlete(t), refused);
      return true;
    } catch (err) {
      if (refused(err)) return false;
      throw err;
    }
  }

  return {
    want(env, wanted) {
      wanted.accounts.push(['strava', String(env.body.owner_id)]);
    },
    async prepare(env, { pool, lookups }): Promise<Prepared> {
      const e = env.body;
      const eventTime = new Date(e.event_time * 1000);
      const account = await lookups.account('strava', String(e.owner_id));
      if (e.object_type === 'athlete') {
        if (e.aspect_type !== 'update' || String(e.updates.authorized) !== 'false')
          return { outcome: 'ignored' };
        if (!account) return { outcome: 'skipped' };
        if (await stillAuthorized(pool, account)) return { outcome: 'unconfirmed' };
        await deauthorize(pool, 'strava', String(e.owner_id));
        return { outcome: 'deauthorized' };
      }
      // Without the athlete's account nothing can be confirmed, nor is anything of theirs stored.
      if (!account) return { outcome: 'skipped' };
      if (e.aspect_type === 'delete') {
        try {
          await fetchActivity(pool, account, e.object_id);
          return { outcome: 'unconfirmed' }; // Strava still has it: the delete is not the athlete's
        } catch (err) {
          if (!(err instanceof ProviderError) || err.failure !== 'not_found') throw err;
        }
        const write: ActivityWrite = {
          kind: 'delete',
          provider: 'strava',
          externalId: String(e.object_id),
          at: eventTime,
          ownerUserId: account.userId,
        };
        return { writes: [write] };
      }
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
