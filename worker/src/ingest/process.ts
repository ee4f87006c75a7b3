import {
  ActivityDeltas,
  garminActivitySchema,
  inTransaction,
  writeActivity,
  writeDeletion,
  type ActivityInput,
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

/** A change to apply to the activities table, decided before any transaction opens. */
export type ActivityWrite =
  | { kind: 'upsert'; input: ActivityInput }
  | { kind: 'delete'; provider: Provider; externalId: string; at: Date; ownerUserId?: string };

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
  const account = await findAccount(deps.pool, 'strava', String(e.owner_id));
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
  const account = await findAccount(deps.pool, 'garmin', ping.userId);
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
      const account = await findAccount(deps.pool, 'garmin', env.body.userId);
      return account ? upsert(fromGarmin(env.body, account.userId, receivedAt)) : { outcome: 'skipped' };
    }
    case 'apple_workout': {
      const { id, userId, deleted } = env.body;
      if (!(await userExists(deps.pool, userId))) return { outcome: 'skipped' };
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

const keyOf = (w: ActivityWrite) =>
  w.kind === 'upsert' ? `${w.input.provider}:${w.input.externalId}` : `${w.provider}:${w.externalId}`;

function combined(results: WriteResult[]): IngestOutcome {
  return results.some((r) => r.outcome === 'created') ? 'created' : (results[0]?.outcome ?? 'ignored');
}

/**
 * Applies a batch of prepared entries in ONE transaction: each entry behind its own savepoint (a failing entry
 * fails alone), the aggregates (challenge total, rollup, users) written once at the end. One commit and one hold
 * of the global_stats row per batch instead of per event: that row lock, not the work, capped ingestion at about
 * 570 writes/s. Entries are applied in activity-key order (stable), so concurrent batches take activity locks in
 * one order and cannot deadlock; events of one activity keep their stream order.
 */
export async function applyPrepared(pool: Pool, batch: readonly Prepared[]): Promise<Applied[]> {
  const applied: Applied[] = batch.map((p) =>
    'outcome' in p ? { outcome: p.outcome } : { outcome: 'ignored' },
  );
  const order = batch
    .map((p, i) => ({
      i,
      writes: 'writes' in p ? [...p.writes].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1)) : [],
    }))
    .filter((e) => e.writes.length > 0)
    .sort((a, b) =>
      keyOf(a.writes[0]!) < keyOf(b.writes[0]!)
        ? -1
        : keyOf(a.writes[0]!) > keyOf(b.writes[0]!)
          ? 1
          : a.i - b.i,
    );
  if (!order.length) return applied;
  await inTransaction(pool, async (client) => {
    const total = new ActivityDeltas();
    for (const { i, writes } of order) {
      const deltas = new ActivityDeltas();
      await client.query('SAVEPOINT entry');
      try {
        const results: WriteResult[] = [];
        for (const w of writes) {
          results.push(
            w.kind === 'upsert'
              ? await writeActivity(client, w.input, deltas)
              : await writeDeletion(client, w, deltas),
          );
        }
        await client.query('RELEASE SAVEPOINT entry');
        total.merge(deltas);
        applied[i] = { outcome: combined(results) };
      } catch (err) {
        await client.query('ROLLBACK TO SAVEPOINT entry');
        applied[i] = { error: err as Error };
      }
    }
    await total.apply(client);
  });
  return applied;
}

/** Prepares and applies one entry on its own (tests and tools); throws what the batch would report. */
export async function processEnvelope(deps: ProcessDeps, env: IngestEnvelope): Promise<IngestOutcome> {
  const [result] = await applyPrepared(deps.pool, [await prepareEnvelope(deps, env)]);
  if (!result || 'error' in result) throw result?.error ?? new Error('nothing applied');
  return result.outcome;
}
