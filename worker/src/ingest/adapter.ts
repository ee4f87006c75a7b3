import type {
  ActivityInput,
  ActivityWrite,
  IngestEnvelope,
  Pool,
  Provider,
  WriteOutcome,
} from '@ops-cockpit/core';
import type { AccountLookups } from './accounts.js';
import type { ProviderCall } from '../providers/calls.js';

/**
 * What became of one ingest entry; the label values of ops_ingest_jobs_total. `unconfirmed`: a delete or a
 * deauthorization the provider does not confirm (unsigned, so possibly forged): nothing changed.
 */
export type IngestOutcome = WriteOutcome | 'skipped' | 'deauthorized' | 'ignored' | 'unconfirmed';

/** An entry after its provider calls: either settled already (skipped, ignored, …) or writes to apply. */
export type Prepared = { outcome: IngestOutcome } | { writes: ActivityWrite[] };

export const upsert = (input: ActivityInput): Prepared => ({ writes: [{ kind: 'upsert', input }] });

/** The account and user lookups a batch will make, gathered first so they cost two queries per batch. */
export interface WantedLookups {
  accounts: [Provider, string][];
  users: string[];
}

/** What an adapter's prepare step may use: the batch's lookups and the pool (token writes, deauthorisations). */
export interface IngestContext {
  pool: Pool;
  lookups: AccountLookups;
}

/**
 * One provider's side of the worker: which account or user an entry needs, and the entry turned into activity
 * writes, with whatever provider calls that takes (inline data, or a fetch with the account's token and its
 * refresh). No activity write happens here: the batch applies them all in one transaction.
 */
export interface IngestAdapter<P extends Provider = Provider> {
  /** Adds the lookups `prepare` will make for `env` to `wanted`. */
  want(env: IngestEnvelope<P>, wanted: WantedLookups): void;
  /**
   * Throws ProviderError for provider trouble (transient ones are retried by the consumer); an athlete or user
   * we do not know is 'skipped', which no retry would fix.
   */
  prepare(env: IngestEnvelope<P>, ctx: IngestContext): Promise<Prepared>;
}

/** What an adapter is built from: the outgoing call (timeout, Spike Lab) and the worker's provider settings. */
export interface IngestAdapterDeps {
  call: ProviderCall;
  settings: IngestSettings;
}

/** The worker settings the ingest adapters read (core's workerEnvSchema validates them). */
export interface IngestSettings {
  STRAVA_API_URL?: string;
  STRAVA_CLIENT_ID?: string;
  STRAVA_CLIENT_SECRET?: string;
  /** Polar AccessLink base (default Polar's public API); exercises are fetched under it only. */
  POLAR_API_URL?: string;
}
