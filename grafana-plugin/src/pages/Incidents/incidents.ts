import type { Incident, IncidentLevel } from '../../api/ops-client';

export type IncidentState = 'open' | 'acknowledged' | 'resolved';
export type LevelFilter = IncidentLevel | 'all';

export function incidentState(incident: Incident): IncidentState {
  if (incident.resolvedAt) {
    return 'resolved';
  }
  return incident.acknowledgedAt ? 'acknowledged' : 'open';
}

/** Newest first, as the exporter lists them; ties by id so two polls order a feed the same way. */
export function newestFirst(incidents: readonly Incident[]): Incident[] {
  return [...incidents].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || b.id - a.id);
}

export function byLevel(incidents: readonly Incident[], level: LevelFilter): Incident[] {
  return level === 'all' ? [...incidents] : incidents.filter((i) => i.level === level);
}

/**
 * Ids in `next` that the feed has not shown before: they are typed in. On the first load (`seen` empty) nothing
 * is new, or the whole page would type itself at once.
 */
export function freshIds(seen: ReadonlySet<number>, next: readonly Incident[]): Set<number> {
  if (seen.size === 0) {
    return new Set();
  }
  return new Set(next.filter((i) => !seen.has(i.id)).map((i) => i.id));
}

/** An acknowledgement answered by the exporter replaces the row at once, before the next poll. */
export function withIncident(incidents: readonly Incident[], updated: Incident): Incident[] {
  return incidents.map((i) => (i.id === updated.id ? updated : i));
}

/** Compact age: `45s`, `12m`, `3h 5m`, `2d 4h`. */
export function formatAge(fromIso: string, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - Date.parse(fromIso)) / 1000));
  if (s < 60) {
    return `${s}s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m}m`;
  }
  const h = Math.floor(m / 60);
  if (h < 24) {
    return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  }
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** How many characters of a typed-in message show after `elapsedMs`: fast, and never longer than `maxMs`. */
export function typedLength(length: number, elapsedMs: number, msPerChar = 18, maxMs = 900): number {
  if (length === 0) {
    return 0;
  }
  const perChar = Math.min(msPerChar, maxMs / length);
  return Math.min(length, Math.floor(elapsedMs / perChar));
}
