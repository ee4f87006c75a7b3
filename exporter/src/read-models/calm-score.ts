import type { Provider } from '@ops-cockpit/core';

/** The seed's stress formula: 100 − 10 per open incident − 20 if slow − 50 if a provider is down, in 0-100. */
export const CALM_MAX = 100;
export const OPEN_INCIDENT_PENALTY = 10;
export const SLOW_PENALTY = 20;
export const PROVIDER_DOWN_PENALTY = 50;
/** Average provider latency over the last hour above this is "slow". */
export const SLOW_LATENCY_MS = 500;
/** A score below this is "stressed" (the dashboard's stress overlay). */
export const STRESSED_BELOW = 50;
/** The window the latency average and the provider health are read over. */
export const CALM_WINDOW_SECONDS = 3_600;

/** Every factor, always reported (penalty 0 when it does not apply): the only values of the `factor` label. */
export const CALM_FACTORS = ['open_incidents', 'provider_latency', 'provider_down'] as const;
export type CalmFactorName = (typeof CALM_FACTORS)[number];

export interface CalmInputs {
  /** Incidents neither acknowledged nor resolved. */
  openIncidents: number;
  /** Per provider: its average latency over the window (null without successful probes) and whether it is up. */
  providers: ReadonlyArray<{ provider: Provider; avgLatencyMs: number | null; up: boolean }>;
}

export interface CalmFactor {
  name: CalmFactorName;
  penalty: number;
  detail: string;
}

export interface CalmScore {
  calmScore: number;
  stressed: boolean;
  factors: CalmFactor[];
}

/**
 * The average provider latency: the mean of the providers' own averages, so each provider weighs the same
 * whatever its probe interval. Providers without latency samples are left out; none at all gives null.
 */
export function averageProviderLatency(providers: CalmInputs['providers']): number | null {
  const known = providers.map((p) => p.avgLatencyMs).filter((ms): ms is number => ms !== null);
  if (known.length === 0) return null;
  return known.reduce((sum, ms) => sum + ms, 0) / known.length;
}

export function calmScore(inputs: CalmInputs): CalmScore {
  const open = Math.max(0, Math.trunc(inputs.openIncidents));
  const latency = averageProviderLatency(inputs.providers);
  const down = inputs.providers.filter((p) => !p.up).map((p) => p.provider);
  const slow = latency !== null && latency > SLOW_LATENCY_MS;
  const factors: CalmFactor[] = [
    {
      name: 'open_incidents',
      penalty: OPEN_INCIDENT_PENALTY * open,
      detail: `${open} open incident${open === 1 ? '' : 's'}`,
    },
    {
      name: 'provider_latency',
      penalty: slow ? SLOW_PENALTY : 0,
      detail:
        latency === null
          ? 'no provider latency samples in the last hour'
          : `average provider latency ${Math.round(latency)} ms over the last hour (limit ${SLOW_LATENCY_MS} ms)`,
    },
    {
      name: 'provider_down',
      penalty: down.length > 0 ? PROVIDER_DOWN_PENALTY : 0,
      detail: down.length > 0 ? `down: ${down.join(', ')}` : 'all providers up',
    },
  ];
  const raw = CALM_MAX - factors.reduce((sum, f) => sum + f.penalty, 0);
  const score = Math.min(CALM_MAX, Math.max(0, raw));
  return { calmScore: score, stressed: score < STRESSED_BELOW, factors };
}
