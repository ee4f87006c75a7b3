import { PROVIDERS, Secret, VERSION, type Provider, type ProviderRegistry } from '@ops-cockpit/core';

export interface ProbeTarget {
  provider: Provider;
  url: URL;
  /** `Authorization: Bearer …` value, wrapped so a logged target never shows it. */
  bearer?: Secret;
}

/** The worker settings that say what to probe. */
export interface ProbeTargetSettings {
  STRAVA_API_URL?: string;
  STRAVA_PROBE_TOKEN?: string;
  GARMIN_PROBE_URL?: string;
  APPLE_HEALTH_PROBE_URL?: string;
  POLAR_PROBE_URL?: string;
}

/** A provider's probe target from the settings, or undefined when it is not to be probed. */
type TargetOf<P extends Provider> = (
  settings: ProbeTargetSettings,
) => (ProbeTarget & { provider: P }) | undefined;

/** At a URL the operator sets: for providers with no cheap public endpoint to probe. */
const probeAt = <P extends Provider>(
  provider: P,
  url: string | undefined,
): (ProbeTarget & { provider: P }) | undefined => (url ? { provider, url: new URL(url) } : undefined);

/**
 * What each provider is probed at. Strava is always probed (its API URL has a default): GET /api/v3/athlete with
 * the app's token, the cheapest authenticated call. Garmin, Apple Health and Polar have no such public endpoint
 * (AccessLink needs a user's token), so each is probed only at a URL the operator sets.
 */
export const PROBE_TARGETS: ProviderRegistry<{ [P in Provider]: TargetOf<P> }> = {
  strava: (s) =>
    s.STRAVA_API_URL
      ? {
          provider: 'strava',
          url: new URL('/api/v3/athlete', s.STRAVA_API_URL),
          ...(s.STRAVA_PROBE_TOKEN ? { bearer: new Secret(s.STRAVA_PROBE_TOKEN) } : {}),
        }
      : undefined,
  garmin: (s) => probeAt('garmin', s.GARMIN_PROBE_URL),
  apple_health: (s) => probeAt('apple_health', s.APPLE_HEALTH_PROBE_URL),
  polar: (s) => probeAt('polar', s.POLAR_PROBE_URL),
};

export function probeTargetsFrom(settings: ProbeTargetSettings): ProbeTarget[] {
  return PROVIDERS.flatMap((p) => PROBE_TARGETS[p](settings) ?? []);
}

/** Request headers of a probe; the only place the token is revealed. */
export function probeHeaders(target: ProbeTarget): Record<string, string> {
  return {
    Accept: 'application/json',
    'User-Agent': `ops-cockpit-probe/${VERSION}`,
    ...(target.bearer ? { Authorization: `Bearer ${target.bearer.reveal()}` } : {}),
  };
}
