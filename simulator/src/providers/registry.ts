import { PROVIDERS, type Provider, type ProviderRegistry } from '@ops-cockpit/core';
import type { SimProvider } from './adapter.js';
import { stravaSim } from './strava.js';
import { garminSim } from './garmin.js';
import { appleHealthSim } from './apple-health.js';
import { polarSim } from './polar.js';

/** Every provider as the simulator plays it: the only place the simulator chooses code by provider. */
export const SIM_PROVIDERS: ProviderRegistry<{ [P in Provider]: SimProvider<P> }> = {
  strava: stravaSim,
  garmin: garminSim,
  apple_health: appleHealthSim,
  polar: polarSim,
};

/** The providers with a fake API, the targets of the control endpoint's faults. */
export const FAULT_TARGETS: readonly Provider[] = PROVIDERS.filter((p) => SIM_PROVIDERS[p].api);
