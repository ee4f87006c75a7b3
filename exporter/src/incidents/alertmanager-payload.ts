import { z } from 'zod';
import type { AlertChange, IncidentLevel } from '@ops-cockpit/core';

/** An alert carrying this label pages on-call but never becomes an incident (the calm-score alert: no loop). */
export const NO_INCIDENT_LABEL = 'incident';
export const NO_INCIDENT_VALUE = 'false';

// Postgres text and jsonb cannot hold U+0000: refused here with the field named, not a 500 at the INSERT.
const text = z.string().refine((v) => !v.includes('\u0000'), 'must not contain the NUL character (U+0000)');
const labelSet = z.record(text, text);
// Go's RFC 3339 with any sub-second digits; the zero time 0001-01-01T00:00:00Z means "not set".
const timestamp = z.iso.datetime({ offset: true });

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: timestamp,
  endsAt: timestamp,
  generatorURL: text.max(8_192).default(''),
  fingerprint: text.min(1).max(256),
});

/**
 * Alertmanager's webhook body, version 4. Unknown members are ignored (later versions add some, as 0.25 added
 * truncatedAlerts); the members this receiver reads are required and typed.
 */
export const alertmanagerNotificationSchema = z.object({
  version: z.literal('4'),
  status: z.enum(['firing', 'resolved']),
  receiver: text,
  groupKey: text,
  alerts: z.array(alertSchema).min(1).max(10_000),
  groupLabels: labelSet.optional(),
  commonLabels: labelSet.optional(),
  commonAnnotations: labelSet.optional(),
  externalURL: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
});
export type AlertmanagerNotification = z.infer<typeof alertmanagerNotificationSchema>;
export type Alert = AlertmanagerNotification['alerts'][number];

/** What one alert does to the incidents table: upsert on (fingerprint, startedAt), resolving when resolved. */
/** critical → critical, error or page → error, anything else (warning, info, none) → warn. */
export function levelFor(severity: string | undefined): IncidentLevel {
  const s = severity?.trim().toLowerCase();
  if (s === 'critical') return 'critical';
  if (s === 'error' || s === 'page') return 'error';
  return 'warn';
}

export function messageFor(alert: Pick<Alert, 'labels' | 'annotations' | 'fingerprint'>): string {
  const summary = alert.annotations.summary?.trim();
  if (summary) return summary;
  return alert.labels.alertname?.trim() || `alert ${alert.fingerprint}`;
}

function isZeroTime(iso: string): boolean {
  return Date.parse(iso) <= 0;
}

/**
 * The incident changes of a notification, ordered by (fingerprint, startedAt) so that concurrent notifications
 * lock rows in the same order and cannot deadlock. Alerts labelled incident="false" are only counted.
 */
export function alertChanges(notification: AlertmanagerNotification): {
  changes: AlertChange[];
  ignored: number;
} {
  const kept = notification.alerts.filter((a) => a.labels[NO_INCIDENT_LABEL] !== NO_INCIDENT_VALUE);
  const changes = kept.map((alert): AlertChange => ({
    fingerprint: alert.fingerprint,
    startedAt: alert.startsAt,
    resolved: alert.status === 'resolved',
    resolvedAt: alert.status === 'resolved' && !isZeroTime(alert.endsAt) ? alert.endsAt : null,
    message: messageFor(alert),
    level: levelFor(alert.labels.severity),
    labels: alert.labels,
    generatorUrl: alert.generatorURL === '' ? null : alert.generatorURL,
  }));
  changes.sort((a, b) =>
    a.fingerprint === b.fingerprint
      ? Date.parse(a.startedAt) - Date.parse(b.startedAt)
      : a.fingerprint < b.fingerprint
        ? -1
        : 1,
  );
  return { changes, ignored: notification.alerts.length - kept.length };
}
