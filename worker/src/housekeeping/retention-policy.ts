import type { RetentionTarget } from '@ops-cockpit/core';

/** Days each target is kept; 0 keeps it forever. */
export type RetentionPolicy = Readonly<Record<RetentionTarget, number>>;

/** The worker settings the policy is read from (validated, floors included, by the worker's config schema). */
export interface RetentionSettings {
  RETENTION_PROBE_LOGS_DAYS: number;
  RETENTION_RESOLVED_INCIDENTS_DAYS: number;
  RETENTION_NUDGES_DAYS: number;
  RETENTION_CHAOS_EVENTS_DAYS: number;
  RETENTION_HOURLY_ROLLUP_DAYS: number;
  RETENTION_DEAD_LETTERS_DAYS: number;
}

export function retentionPolicyFrom(s: RetentionSettings): RetentionPolicy {
  return {
    provider_health_logs: s.RETENTION_PROBE_LOGS_DAYS,
    incidents: s.RETENTION_RESOLVED_INCIDENTS_DAYS,
    nudges: s.RETENTION_NUDGES_DAYS,
    chaos_events: s.RETENTION_CHAOS_EVENTS_DAYS,
    activity_hourly: s.RETENTION_HOURLY_ROLLUP_DAYS,
    ingest_dead_letter: s.RETENTION_DEAD_LETTERS_DAYS,
  };
}

const DAY_MS = 86_400_000;

/**
 * What goes of `target` is what lies strictly before this bound (what lies exactly at it stays), in the form its
 * store compares: an ISO instant for the tables, `days` × 24 h before `now`; a UTC date for the rollup, keyed by
 * local date; an epoch-millisecond stream id for the dead letters (XTRIM MINID). Undefined: kept forever.
 *
 * The rollup's bound is `days` UTC dates back. The heatmap reads local dates after its session's current_date
 * minus HEATMAP_DAYS; that current_date is never more than a day behind UTC's, so a retention of HEATMAP_DAYS
 * (the floor) still keeps every cell the heatmap reads, in any time zone.
 */
export function cutoffOf(target: RetentionTarget, days: number, now: Date): string | undefined {
  if (days === 0) return undefined;
  const at = now.getTime() - days * DAY_MS;
  if (target === 'activity_hourly') return new Date(at).toISOString().slice(0, 10);
  if (target === 'ingest_dead_letter') return String(at);
  return new Date(at).toISOString();
}
