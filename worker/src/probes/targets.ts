import { Secret, VERSION, type Provider } from '@ops-cockpit/core';

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
}

/**
 * Strava is always probed (its API URL has a default): GET /api/v3/athlete with the app's token, the cheapest
 * authenticated call. Garmin and Apple Health have no such public endpoint, so each is probed only at a URL the
 * operator sets.
 */
export function probeTargetsFrom(settings: ProbeTargetSettings): ProbeTarget[] {
  const targets: ProbeTarget[] = [];
  if (settings.STRAVA_API_URL) {
    targets.push({
      provider: 'strava',
      url: new URL('/api/v3/athlete', settings.STRAVA_API_URL),
      ...(settings.STRAVA_PROBE_TOKEN ? { bearer: new Secret(settings.STRAVA_PROBE_TOKEN) } : {}),
    });
  }
  if (settings.GARMIN_PROBE_URL)
    targets.push({ provider: 'garmin', url: new URL(settings.GARMIN_PROBE_URL) });
  if (settings.APPLE_HEALTH_PROBE_URL) {
    targets.push({ provider: 'apple_health', url: new URL(settings.APPLE_HEALTH_PROBE_URL) });
  }
  return targets;
}

/** Request headers of a probe; the only place the token is revealed. */
export function probeHeaders(target: ProbeTarget): Record<string, string> {
  return {
    Accept: 'application/json',
    'User-Agent': `ops-cockpit-probe/${VERSION}`,
    ...(target.bearer ? { Authorization: `Bearer ${target.bearer.reveal()}` } : {}),
  };
}
