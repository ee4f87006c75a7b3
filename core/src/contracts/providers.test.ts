import { PROVIDERS, isProvider, type Provider, type ProviderRegistry } from './providers.js';
import type { IngestEnvelope } from './ingest.js';

/**
 * The registries' guarantee is the compiler's: these lines are type-checked by `npm test` (tsconfig.tests.json),
 */

interface Adapter<P extends Provider> {
  provider: P;
}
type Registry = ProviderRegistry<{ [P in Provider]: Adapter<P> }>;

const complete: Registry = {
  strava: { provider: 'strava' },
  garmin: { provider: 'garmin' },
  apple_health: { provider: 'apple_health' },
  polar: { provider: 'polar' },
};

// @ts-expect-error a registry missing a provider (apple_health) does not compile
const missing: Registry = {
  strava: { provider: 'strava' },
  garmin: { provider: 'garmin' },
  polar: { provider: 'polar' },
};

// @ts-expect-error the registries as they were before Polar (three providers) no longer compile
const beforePolar: Registry = {
  strava: { provider: 'strava' },
  garmin: { provider: 'garmin' },
  apple_health: { provider: 'apple_health' },
};

const extra: Registry = {
  ...complete,
  // @ts-expect-error an entry for a provider that does not exist does not compile
  fitbit: { provider: 'fitbit' },
};

const crossed: Registry = {
  ...complete,
  // @ts-expect-error Garmin's adapter under Strava's name does not compile
  strava: { provider: 'garmin' },
};

const envelope: IngestEnvelope<'garmin'> = {
  provider: 'garmin',
  // @ts-expect-error an envelope kind of another provider does not compile
  kind: 'strava_event',
  eventId: 'e',
  receivedAt: '2026-06-01T00:00:00Z',
  body: { userId: 'u', callbackURL: 'http://127.0.0.1/cb' },
};

describe('providers', () => {
  it('knows exactly the providers of PROVIDERS', () => {
    expect(PROVIDERS.every(isProvider)).toBe(true);
    expect(isProvider('fitbit')).toBe(false);
    expect(isProvider(undefined)).toBe(false);
  });

  it('a complete registry has one entry per provider, each its own', () => {
    expect(Object.keys(complete).sort()).toEqual([...PROVIDERS].sort());
    for (const p of PROVIDERS) expect(complete[p].provider).toBe(p);
    // The refused values exist only to be refused by the compiler.
    expect([missing, beforePolar, extra, crossed, envelope]).toHaveLength(5);
  });
});
