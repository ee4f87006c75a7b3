import {
  deleteActivity,
  garminActivitySchema,
  inTransaction,
  upsertActivity,
  type ActivityInput,
  type GarminPing,
  type IngestEnvelope,
  type Pool,
  type StravaEvent,
  type WriteOutcome,
} from '@ops-cockpit/core';
import { z } from 'zod';
import { ProviderError, fetchJson } from '../providers/errors.js';
import type { StravaClient } from '../providers/strava-client.js';
import { deauthorize, findAccount, saveTokens, userExists, type LinkedAccount } from './accounts.js';
import { fromApple, fromGarmin, fromStrava } from './normalise.js';

/** What became of one ingest entry; the label values of ops_ingest_jobs_total. */
export type IngestOutcome = WriteOutcome | 'skipped' | 'deauthorized' | 'ignored';

export const INGEST_OUTCOMES: readonly IngestOutcome[] = [
  'created',
  'updated',
  'unchanged',
  'deleted',
  'missing',
  'stale',
  'skipped',
  'deauthorized',
  'ignored',
];

export interface ProcessDeps {
  pool: Pool;
  strava: StravaClient;
  providerTimeoutMs: number;
}

/** Refresh a minute early so a token never expires between the check and the call. */
const TOKEN_MARGIN_MS = 60_000;

async function stravaToken(deps: ProcessDeps, account: LinkedAccount, force: boolean): Promise<string> {
  const fresh = account.tokenExpiresAt && account.tokenExpiresAt.getTime() - TOKEN_MARGIN_MS > Date.now();
  if (account.accessToken && fresh && !force) return account.accessToken;
  if (!account.refreshToken)
    throw new ProviderError('unauthorized', `account ${account.id} has no refresh token`);
  const tokens = await deps.strava.refresh(account.refreshToken);
  await saveTokens(deps.pool, account.id, tokens);
  account.accessToken = tokens.accessToken;
  account.refreshToken = tokens.refreshToken;
  account.tokenExpiresAt = tokens.expiresAt;
  return tokens.accessToken;
}

async function fetchStravaActivity(deps: ProcessDeps, account: LinkedAccount, id: number) {
  try {
    return await deps.strava.getActivity(await stravaToken(deps, account, false), id);
  } catch (err) {
    // A token revoked or rotated elsewhere: refresh once and try again before giving up.
    if (!(err instanceof ProviderError) || err.failure !== 'unauthorized') throw err;
    return deps.strava.getActivity(await stravaToken(deps, account, true), id);
  }
}

async function processStrava(deps: ProcessDeps, e: StravaEvent): Promise<IngestOutcome> {
  const eventTime = new Date(e.event_time * 1000);
  if (e.object_type === 'athlete') {
    if (e.aspect_type === 'update' && String(e.updates.authorized) === 'false') {
      await deauthorize(deps.pool, 'strava', String(e.owner_id));
      return 'deauthorized';
    }
    return 'ignored';
  }
  const account = await findAccount(deps.pool, 'strava', String(e.owner_id));
  if (e.aspect_type === 'delete') {
    const id = String(e.object_id);
    const owner = account?.userId;
    return (await inTransaction(deps.pool, (c) => deleteActivity(c, 'strava', id, eventTime, owner))).outcome;
  }
  if (!account) return 'skipped';
  let activity;
  try {
    activity = await fetchStravaActivity(deps, account, e.object_id);
  } catch (err) {
    // Gone at Strava (deleted since the event): nothing to apply, and no retry would change that.
    if (err instanceof ProviderError && err.failure === 'not_found') return 'missing';
    throw err;
  }
  const input = fromStrava(activity, account.userId, eventTime);
  return (await inTransaction(deps.pool, (c) => upsertActivity(c, input))).outcome;
}

const callbackSchema = z.union([
  z.object({ activities: z.array(garminActivitySchema) }),
  z.array(garminActivitySchema),
]);

async function processGarminPing(
  deps: ProcessDeps,
  ping: GarminPing,
  receivedAt: Date,
): Promise<IngestOutcome> {
  const account = await findAccount(deps.pool, 'garmin', ping.userId);
  if (!account) return 'skipped';
  const body = await fetchJson(
    ping.callbackURL,
    { headers: { Accept: 'application/json' } },
    deps.providerTimeoutMs,
  );
  const parsed = callbackSchema.safeParse(body);
  if (!parsed.success)
    throw new ProviderError('bad_response', 'garmin callback answer is not a list of activities');
  const summaries = Array.isArray(parsed.data) ? parsed.data : parsed.data.activities;
  const inputs = summaries
    .filter((s) => s.userId === ping.userId)
    .map((s) => fromGarmin(s, account.userId, receivedAt));
  if (!inputs.length) return 'ignored';
  const results = await inTransaction(deps.pool, async (c) => {
    const out = [];
    for (const input of inputs) out.push(await upsertActivity(c, input));
    return out;
  });
  return results.some((r) => r.outcome === 'created') ? 'created' : (results[0]?.outcome ?? 'ignored');
}

async function write(deps: ProcessDeps, input: ActivityInput): Promise<IngestOutcome> {
  return (await inTransaction(deps.pool, (c) => upsertActivity(c, input))).outcome;
}

/**
 * Applies one envelope to Postgres. Throws ProviderError for provider trouble (transient ones are retried by
 * the consumer); returns 'skipped' for an athlete or user we do not know, which no retry would fix.
 */
export async function processEnvelope(deps: ProcessDeps, env: IngestEnvelope): Promise<IngestOutcome> {
  const receivedAt = new Date(env.receivedAt);
  switch (env.kind) {
    case 'strava_event':
      return processStrava(deps, env.body);
    case 'garmin_ping':
      return processGarminPing(deps, env.body, receivedAt);
    case 'garmin_activity': {
      const account = await findAccount(deps.pool, 'garmin', env.body.userId);
      return account ? write(deps, fromGarmin(env.body, account.userId, receivedAt)) : 'skipped';
    }
    case 'apple_workout': {
      if (!(await userExists(deps.pool, env.body.userId))) return 'skipped';
      if (env.body.deleted) {
        const { id, userId } = env.body;
        return (
          await inTransaction(deps.pool, (c) => deleteActivity(c, 'apple_health', id, receivedAt, userId))
        ).outcome;
      }
      return write(deps, fromApple(env.body, receivedAt));
    }
  }
}
