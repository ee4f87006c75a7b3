import { PROVIDERS, type IngestEnvelope, type Provider, type ProviderRegistry } from '@ops-cockpit/core';
import type { IngestAdapter, IngestAdapterDeps } from './adapter.js';
import { createStravaIngest } from './strava.js';
import { createGarminIngest } from './garmin.js';
import { createAppleHealthIngest } from './apple-health.js';
import { createPolarIngest } from './polar.js';

type IngestAdapterFactories = { [P in Provider]: (deps: IngestAdapterDeps) => IngestAdapter<P> };

/** Every provider's ingest adapter: the only place the worker's ingest path chooses code by provider. */
export const INGEST_ADAPTERS: ProviderRegistry<IngestAdapterFactories> = {
  strava: createStravaIngest,
  garmin: createGarminIngest,
  apple_health: createAppleHealthIngest,
  polar: createPolarIngest,
};

export type IngestAdapters = ProviderRegistry<{ [P in Provider]: IngestAdapter<P> }>;

/** Builds every adapter from the same deps (one entry per provider, as INGEST_ADAPTERS holds). */
export function createIngestAdapters(deps: IngestAdapterDeps): IngestAdapters {
  return Object.fromEntries(PROVIDERS.map((p) => [p, INGEST_ADAPTERS[p](deps)])) as unknown as IngestAdapters;
}

/**
 * The adapter of an envelope's provider. The registry is typed per provider, so the lookup loses the pairing
 * of envelope and adapter; it is restored here, once, instead of at every caller.
 */
export function adapterFor<P extends Provider>(
  adapters: IngestAdapters,
  env: IngestEnvelope<P>,
): IngestAdapter<P> {
  return adapters[env.provider] as unknown as IngestAdapter<P>;
}
