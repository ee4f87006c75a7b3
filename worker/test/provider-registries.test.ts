import { PROVIDERS } from '@ops-cockpit/core';
import { createIngestAdapters, INGEST_ADAPTERS } from '../src/ingest/registry.js';
import { callsTo } from './calls-support.js';
import { PROBE_TARGETS, probeTargetsFrom } from '../src/probes/targets.js';

type Factories = typeof INGEST_ADAPTERS;

// @ts-expect-error the ingest registry without Garmin's adapter does not compile
const missing: Factories = { strava: INGEST_ADAPTERS.strava, apple_health: INGEST_ADAPTERS.apple_health };

const { garmin: _garmin, ...withoutGarmin } = PROBE_TARGETS;
// @ts-expect-error probe targets without Garmin's do not compile
const noGarminProbe: typeof PROBE_TARGETS = withoutGarmin;

describe('the worker registries', () => {
  it('build one ingest adapter per provider', () => {
    const adapters = createIngestAdapters({ call: callsTo([], 100), settings: {} });
    expect(Object.keys(adapters).sort()).toEqual([...PROVIDERS].sort());
    expect([missing, noGarminProbe]).toHaveLength(2);
  });

  it('probe a provider only where its target is set, in provider order', () => {
    expect(probeTargetsFrom({}).map((t) => t.provider)).toEqual([]);
    const all = probeTargetsFrom({
      STRAVA_API_URL: 'http://127.0.0.1:1',
      GARMIN_PROBE_URL: 'http://127.0.0.1:2/wellness',
      APPLE_HEALTH_PROBE_URL: 'http://127.0.0.1:3/health',
      POLAR_PROBE_URL: 'http://127.0.0.1:4/polar',
    });
    expect(all.map((t) => t.provider)).toEqual([...PROVIDERS]);
    expect(all.find((t) => t.provider === 'polar')).toMatchObject({
      url: new URL('http://127.0.0.1:4/polar'),
    });
    expect(all.find((t) => t.provider === 'polar')?.bearer).toBeUndefined();
  });
});
