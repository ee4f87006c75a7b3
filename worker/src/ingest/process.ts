import {
  applyActivityBatch,
  DEFAULT_PLAUSIBILITY_LIMITS,
  implausibility,
  inTransaction,
  type IngestEnvelope,
  type PlausibilityLimits,
  type Pool,
  type Provider,
  type WriteResult,
} from '@ops-cockpit/core';
import { preloadLookups, queryLookups, type AccountLookups } from './accounts.js';
import type { IngestOutcome, Prepared, WantedLookups } from './adapter.js';
import { adapterFor, type IngestAdapters } from './registry.js';
import { ProviderError } from '../providers/errors.js';

export type { IngestOutcome, Prepared } from './adapter.js';

export const INGEST_OUTCOMES: readonly IngestOutcome[] = [
  'created',
  'updated',
  'unchanged',
  'deleted',
  'missing',
  'stale',
  'foreign',
  'skipped',
  'deauthorized',
  'ignored',
  'unconfirmed',
];

export interface ProcessDeps {
  pool: Pool;
  /** Every provider's ingest adapter (registry.ts). */
  adapters: IngestAdapters;
  /** Account and user lookups (default: one query each; createPreparer reads a whole batch's at once). */
  lookups?: AccountLookups;
  /** Past these an activity is held for review (PLAUSIBILITY_LIMITS; default the documented ones). */
  limits?: PlausibilityLimits;
}

/** Per entry of a batch: its outcome, or the error that kept it from being applied (retried by the consumer). */
export type Applied = { outcome: IngestOutcome } | { error: Error };

/**
 * The provider side of an entry, by its provider's adapter: account lookups and provider calls, no activity
 * write. Throws ProviderError for provider trouble (transient ones are retried by the consumer).
 */
export async function prepareEnvelope(deps: ProcessDeps, env: IngestEnvelope): Promise<Prepared> {
  const lookups = deps.lookups ?? queryLookups(deps.pool);
  const prepared = await adapterFor(deps.adapters, env).prepare(env, { pool: deps.pool, lookups });
  return judged(prepared, deps.limits ?? DEFAULT_PLAUSIBILITY_LIMITS);
}

/**
 * Every activity an entry writes, judged against the plausibility limits in one place for every provider: an
 * impossible one carries why, and the write stores it held for review (out of every total).
 */
export function judged(prepared: Prepared, limits: PlausibilityLimits): Prepared {
  if (!('writes' in prepared)) return prepared;
  return {
    writes: prepared.writes.map((w) => {
      if (w.kind !== 'upsert') return w;
      const why = implausibility(limits, w.input);
      return why === undefined ? w : { ...w, input: { ...w.input, implausible: why } };
    }),
  };
}

/** The provider of each activity an applied batch left held for review (created or changed while implausible). */
export function heldProviders(batch: readonly Prepared[], applied: readonly Applied[]): Provider[] {
  return batch.flatMap((p, i) => {
    const a = applied[i];
    if (!('writes' in p) || !a || !('outcome' in a) || (a.outcome !== 'created' && a.outcome !== 'updated'))
      return [];
    return p.writes.flatMap((w) => (w.kind === 'upsert' && w.input.implausible ? [w.input.provider] : []));
  });
}

/** Whose account or user record each envelope's prepare step will look up, as its adapter says. */
function lookupsWanted(adapters: IngestAdapters, envelopes: readonly IngestEnvelope[]): WantedLookups {
  const wanted: WantedLookups = { accounts: [], users: [] };
  for (const env of envelopes) adapterFor(adapters, env).want(env, wanted);
  return wanted;
}

/** `err` as an Error (a thrown string or object wrapped). */
export const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * `work`, or a transient ProviderError once `ms` have passed without it settling. What `work` still does after
 * that is bounded by its own calls' timeouts (PROVIDER_TIMEOUT_MS); its result is no longer waited for.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new ProviderError('timeout', `${what}: not ready within ${ms} ms (INGEST_ENTRY_DEADLINE_MS)`)),
      ms,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Per entry of a read batch: a promise of what to apply, or of the error that kept it from being ready. */
export type Preparer = (envelopes: readonly IngestEnvelope[]) => Promise<Prepared | Error>[];

/**
 * The provider side of read batches. A batch's accounts and users are read in two queries; then every entry
 * prepares on its own, under its own deadline, and its promise settles as soon as it is ready, so one slow or
 * hostile provider endpoint holds back only its own entry (outgoing calls are bounded per provider in
 * calls.ts). Batches' lookups run in the order the batches were read, so entries without provider calls settle
 * in stream order.
 */
export function createPreparer(deps: ProcessDeps, opts: { deadlineMs: number }): Preparer {
  let previous: Promise<unknown> = Promise.resolve();
  return (envelopes) => {
    const lookups = previous.then(() => preloadLookups(deps.pool, lookupsWanted(deps.adapters, envelopes)));
    previous = lookups.catch(() => undefined);
    return envelopes.map((env) =>
      lookups
        .then((preloaded) =>
          withDeadline(
            prepareEnvelope({ ...deps, lookups: preloaded }, env),
            opts.deadlineMs,
            `${env.provider} ${env.kind} ${env.eventId}`,
          ),
        )
        .catch(asError),
    );
  };
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
