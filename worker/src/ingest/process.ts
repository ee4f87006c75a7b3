import {
  applyActivityBatch,
  inTransaction,
  type IngestEnvelope,
  type Pool,
  type WriteResult,
} from '@ops-cockpit/core';
import { preloadLookups, queryLookups, type AccountLookups } from './accounts.js';
import type { IngestOutcome, Prepared, WantedLookups } from './adapter.js';
import { adapterFor, type IngestAdapters } from './registry.js';

export type { IngestOutcome, Prepared } from './adapter.js';

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
  /** Every provider's ingest adapter (registry.ts). */
  adapters: IngestAdapters;
  /** Account and user lookups (default: one query each; prepareBatch reads a whole batch's at once). */
  lookups?: AccountLookups;
}

/** Per entry of a batch: its outcome, or the error that kept it from being applied (retried by the consumer). */
export type Applied = { outcome: IngestOutcome } | { error: Error };

/**
 * The provider side of an entry, by its provider's adapter: account lookups and provider calls, no activity
 * write. Throws ProviderError for provider trouble (transient ones are retried by the consumer).
 */
export function prepareEnvelope(deps: ProcessDeps, env: IngestEnvelope): Promise<Prepared> {
  const lookups = deps.lookups ?? queryLookups(deps.pool);
  return adapterFor(deps.adapters, env).prepare(env, { pool: deps.pool, lookups });
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

/** Whose account or user record each envelope's prepare step will look up, as its adapter says. */
function lookupsWanted(adapters: IngestAdapters, envelopes: readonly IngestEnvelope[]): WantedLookups {
  const wanted: WantedLookups = { accounts: [], users: [] };
  for (const env of envelopes) adapterFor(adapters, env).want(env, wanted);
  return wanted;
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
    lookups = await preloadLookups(deps.pool, lookupsWanted(deps.adapters, envelopes));
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
