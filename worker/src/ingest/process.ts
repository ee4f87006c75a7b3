import {
  applyActivityBatch,
  garminActivitySchema,
  inTransaction,
  type ActivityInput,
  type ActivityWrite,
  type Provider,
  type WriteResult,
  type GarminPing,
  type IngestEnvelope,
  type Pool,
  type StravaEvent,
  type WriteOutcome,
} from '@ops-cockpit/core';
import { z } from 'zod';
import { ProviderError, fetchJson } from '../providers/errors.js';
import type { StravaClient } from '../providers/strava-client.js';
import {
  deauthorize,
  preloadLookups,
  queryLookups,
  saveTokens,
  type AccountLookups,
  type LinkedAccount,
} from './accounts.js';
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
  /** Account and user lookups (default: one query each; prepareBatch reads a whole batch's at once). */
  lookups?: AccountLookups;
}

const lookupsOf = (deps: ProcessDeps) => deps.lookups ?? queryLookups(deps.pool);

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

/** An entry after its provider calls: either settled already (skipped, ignored, …) or writes to apply. */
export type Prepared = { outcome: IngestOutcome } | { writes: ActivityWrite[] };

/** Per entry of a batch: its outcome, or the error that kept it from being applied (retried by the consumer). */
export type Applied = { outcome: IngestOutcome } | { error: Error };

const upsert = (input: ActivityInput): Prepared => ({ writes: [{ kind: 'upsert', input }] });

async function prepareStrava(deps: ProcessDeps, e: StravaEvent): Promise<Prepared> {
  const eventTime = new Date(e.event_time * 1000);
  if (e.object_type === 'athlete') {
    if (e.aspect_type === 'update' && String(e.updates.authorized) === 'false') {
      await deauthorize(deps.pool, 'strava', String(e.owner_id));
      return { outcome: 'deauthorized' };
    }
    return { outcome: 'ignored' };
  }
  const account = await lookupsOf(deps).account('strava', String(e.owner_id));
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
    return upsert(
      fromStrava(await fetchStravaActivity(deps, account, e.object_id), account.userId, eventTime),
    );
  } catch (err) {
    // Gone at Strava (deleted since the event): nothing to apply, and no retry would change that.
    if (err instanceof ProviderError && err.failure === 'not_found') return { outcome: 'missing' };
    throw err;
  }
}

const callbackSchema = z.union([
  z.object({ activities: z.array(garminActivitySchema) }),
  z.array(garminActivitySchema),
]);

async function prepareGarminPing(deps: ProcessDeps, ping: GarminPing, receivedAt: Date): Promise<Prepared> {
  const account = await lookupsOf(deps).account('garmin', ping.userId);
  if (!account) return { outcome: 'skipped' };
  const body = await fetchJson(
    ping.callbackURL,
    { headers: { Accept: 'application/json' } },
    deps.providerTimeoutMs,
  );
  const parsed = callbackSchema.safeParse(body);
  if (!parsed.success)
    throw new ProviderError('bad_response', 'garmin callback answer is not a list of activities');
  const summaries = Array.isArray(parsed.data) ? parsed.data : parsed.data.activities;
  const writes = summaries
    .filter((s) => s.userId === ping.userId)
    .map((s): ActivityWrite => ({ kind: 'upsert', input: fromGarmin(s, account.userId, receivedAt) }));
  return writes.length ? { writes } : { outcome: 'ignored' };
}

/**
 * The provider side of an entry: account lookups and provider calls, no activity write. Throws ProviderError for
 * provider trouble (transient ones are retried by the consumer); an athlete or user we do not know is 'skipped',
 * which no retry would fix.
 */
export async function prepareEnvelope(deps: ProcessDeps, env: IngestEnvelope): Promise<Prepared> {
  const receivedAt = new Date(env.receivedAt);
  switch (env.kind) {
    case 'strava_event':
      return prepareStrava(deps, env.body);
    case 'garmin_ping':
      return prepareGarminPing(deps, env.body, receivedAt);
    case 'garmin_activity': {
      const account = await lookupsOf(deps).account('garmin', env.body.userId);
      return account ? upsert(fromGarmin(env.body, account.userId, receivedAt)) : { outcome: 'skipped' };
    }
    case 'apple_workout': {
      const { id, userId, deleted } = env.body;
      if (!(await lookupsOf(deps).userExists(userId))) return { outcome: 'skipped' };
      if (deleted)
        return {
          writes: [
            { kind: 'delete', provider: 'apple_health', externalId: id, at: receivedAt, ownerUserId: userId },
          ],
        };
      return upsert(fromApple(env.body, receivedAt));
    }
  }
}

/** Runs `fn` over `items`, at most `concurrency` at a time; each result is its value or the error it threw. */
export async function settleEach<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<(R | Error)[]> {
  const out: (R | Error)[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!).catch((err: unknown) =>
        err instanceof Error ? err : new Error(String(err)),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return out;
}

/** Whose account or user record each envelope's prepare step will look up. */
function lookupsWanted(envelopes: readonly IngestEnvelope[]) {
  const accounts: [Provider, string][] = [];
  const users: string[] = [];
  for (const env of envelopes) {
    if (env.kind === 'strava_event') {
      if (env.body.object_type === 'activity') accounts.push(['strava', String(env.body.owner_id)]);
    } else if (env.kind === 'apple_workout') users.push(env.body.userId);
    else accounts.push(['garmin', env.body.userId]);
  }
  return { accounts, users };
}

/**
 * The provider side of a read batch: the accounts and users of every entry in two queries, then each entry's
 * provider calls `concurrency` at a time. Per entry: what to apply, or the error that kept it from being ready.
 */
export async function prepareBatch(
  deps: ProcessDeps,
  envelopes: readonly IngestEnvelope[],
  concurrency: number,
): Promise<(Prepared | Error)[]> {
  let lookups: AccountLookups;
  try {
    lookups = await preloadLookups(deps.pool, lookupsWanted(envelopes));
  } catch (err) {
    return envelopes.map(() => err as Error);
  }
  return settleEach(envelopes, concurrency, (env) => prepareEnvelope({ ...deps, lookups }, env));
}

function combined(results: WriteResult[]): IngestOutcome {
  return results.some((r) => r.outcome === 'created') ? 'created' : (results[0]?.outcome ?? 'ignored');
}

/**
 * Applies a batch of prepared entries in ONE transaction (core's applyActivityBatch: one bulk upsert for the
 * plain creates and updates, a savepoint per entry for the rest, the aggregates once at the end). One commit and
 * one hold of the global_stats row per batch instead of per event: that row lock, not the work, capped ingestion
 * at about 570 writes/s; five round trips per event then capped it at a few hundred on a busy machine.
 */
export async function applyPrepared(pool: Pool, batch: readonly Prepared[]): Promise<Applied[]> {
  const entries = batch.map((p) => ('writes' in p ? p.writes : []));
  if (!entries.some((w) => w.length))
    return batch.map((p) => ({ outcome: 'outcome' in p ? p.outcome : 'ignored' }));
  const results = await inTransaction(pool, (client) => applyActivityBatch(client, entries));
  return batch.map((p, i): Applied => {
    if ('outcome' in p) return { outcome: p.outcome };
    const r = results[i]!;
    return 'error' in r ? { error: r.error } : { outcome: combined(r.results) };
  });
}

/** Prepares and applies one entry on its own (tests and tools); throws what the batch would report. */
export async function processEnvelope(deps: ProcessDeps, env: IngestEnvelope): Promise<IngestOutcome> {
  const [result] = await applyPrepared(deps.pool, [await prepareEnvelope(deps, env)]);
  if (!result || 'error' in result) throw result?.error ?? new Error('nothing applied');
  return result.outcome;
}
