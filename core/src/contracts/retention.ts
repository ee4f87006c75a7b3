import { HEATMAP_DAYS } from './heatmap.js';
import { NUDGE_FAILED_JOB_KEEP_DAYS } from './nudges.js';

/**
 * What the worker's retention prunes by age: five tables and the ingest dead-letter stream. The names are the
 * `table` label of `ops_housekeeping_rows_removed_total`.
 */
export const RETENTION_TARGETS = [
  'provider_health_logs',
  'incidents',
  'nudges',
  'chaos_events',
  'activity_hourly',
  'ingest_dead_letter',
] as const;
export type RetentionTarget = (typeof RETENTION_TARGETS)[number];

/** Longest retention a setting takes (10 years); 0 keeps forever. */
export const RETENTION_MAX_DAYS = 3_650;

/**
 * Shortest retention each target takes besides 0, and what reads that far back. The provider-health API reads
 * at most 24 h; incidents, chaos events and dead letters are history that nothing depends on.
 */
export const RETENTION_FLOORS: Readonly<Record<RetentionTarget, { days: number; because?: string }>> = {
  provider_health_logs: { days: 1 },
  incidents: { days: 1 },
  nudges: {
    days: NUDGE_FAILED_JOB_KEEP_DAYS,
    because: `a failed nudge job stays replayable for ${NUDGE_FAILED_JOB_KEEP_DAYS} days and needs its row`,
  },
  chaos_events: { days: 1 },
  activity_hourly: { days: HEATMAP_DAYS, because: `the heatmap reads the last ${HEATMAP_DAYS} local days` },
  ingest_dead_letter: { days: 1 },
};
