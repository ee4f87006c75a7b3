import { type IncidentLevel, type Pool } from '@ops-cockpit/core';
import { CALM_WINDOW_SECONDS, calmScore, type CalmScore } from '../read-models/calm-score.js';
import { providerHealth } from '../read-models/provider-health.js';
import type { IncidentStore, OpenCounts } from '@ops-cockpit/core';

/** The calm score with what it was computed from, for the API and the gauges alike. */
export interface CalmReading {
  score: CalmScore;
  openByLevel: OpenCounts;
}

export type CalmReader = () => Promise<CalmReading>;

/**
 * Reads the calm score's inputs from Postgres (open incidents, provider health over the last hour) and applies
 * the pure formula. Concurrent callers share one read in flight: the three calm gauges of one scrape cost
 * two queries, not six.
 */
export function createCalmReader(deps: { pool: Pool; store: IncidentStore }): CalmReader {
  let inFlight: Promise<CalmReading> | undefined;
  const read = async (): Promise<CalmReading> => {
    const [openByLevel, providers] = await Promise.all([
      deps.store.openCounts(),
      providerHealth(deps.pool, CALM_WINDOW_SECONDS),
    ]);
    const openIncidents = (Object.values(openByLevel) as number[]).reduce((sum, n) => sum + n, 0);
    return { score: calmScore({ openIncidents, providers }), openByLevel };
  };
  return () =>
    (inFlight ??= read().finally(() => {
      inFlight = undefined;
    }));
}

export const INCIDENT_LEVELS: readonly IncidentLevel[] = ['warn', 'error', 'critical'];
