import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { PROVIDERS, type DependencyStatus } from '@ops-cockpit/core';

/** The exporter's own ops_ metrics, declared in one place on the process registry. */
export interface ExporterMetrics {
  httpRequests: Counter<'method' | 'route' | 'code'>;
  httpDuration: Histogram<'method' | 'route'>;
  webhookRequests: Counter<'provider' | 'code'>;
  webhookDuration: Histogram<'provider'>;
  webhookEvents: Counter<'provider' | 'object_type' | 'aspect_type'>;
  webhookDuplicates: Counter<'provider'>;
  webhookRejectedEntries: Counter<'provider' | 'reason'>;
}

/** Why an entry of an otherwise valid delivery was dropped: the only values the `reason` label takes. */
export const REJECT_REASONS = {
  /** A Garmin entry whose user is no linked, authorised Garmin account (Garmin does not sign). */
  unknownUser: 'unknown_user',
  /** A Strava event for another subscription than STRAVA_SUBSCRIPTION_ID. */
  subscriptionMismatch: 'subscription_mismatch',
} as const;
export type RejectReason = (typeof REJECT_REASONS)[keyof typeof REJECT_REASONS];

/** Every (provider, object_type, aspect_type) an accepted event can have, pre-set to 0 so rates start at once. */
const EVENT_LABELS: ReadonlyArray<readonly [string, string, string]> = [
  ...['activity', 'athlete'].flatMap((object) =>
    ['create', 'update', 'delete'].map((aspect) => ['strava', object, aspect] as const),
  ),
  ['garmin', 'activity', 'push'],
  ['garmin', 'activity', 'ping'],
  ['apple_health', 'workout', 'create'],
  ['apple_health', 'workout', 'delete'],
];

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Bounded method label: anything outside the standard set is counted as OTHER. */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'OTHER';
}

export function createExporterMetrics(
  registry: Registry,
  opts: { checkDependencies: () => Promise<DependencyStatus[]> },
): ExporterMetrics {
  const registers = [registry];
  new Gauge({
    name: 'ops_dependency_up',
    help: 'Whether a dependency answered a ping at scrape time (1) or not (0).',
    labelNames: ['dependency'],
    registers,
    async collect() {
      for (const dep of await opts.checkDependencies()) this.set({ dependency: dep.name }, dep.ok ? 1 : 0);
    },
  });
  const metrics: ExporterMetrics = {
    httpRequests: new Counter({
      name: 'ops_http_requests_total',
      help: 'HTTP requests answered by the exporter, by method, route template and status code.',
      labelNames: ['method', 'route', 'code'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'ops_http_request_duration_seconds',
      help: 'Time from request start to response end, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    webhookRequests: new Counter({
      name: 'ops_webhook_requests_total',
      help: 'Webhook requests answered, by provider and status code (unknown provider paths are not counted here).',
      labelNames: ['provider', 'code'],
      registers,
    }),
    webhookDuration: new Histogram({
      name: 'ops_webhook_request_duration_seconds',
      help: 'Time from webhook request start to response end, append to the ingest stream included.',
      labelNames: ['provider'],
      // The lean path answers in well under a millisecond, so the buckets start at 100 µs.
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    webhookEvents: new Counter({
      name: 'ops_webhook_events_total',
      help: 'Events in accepted webhook deliveries (duplicates included), by provider, object and aspect type.',
      labelNames: ['provider', 'object_type', 'aspect_type'],
      registers,
    }),
    webhookDuplicates: new Counter({
      name: 'ops_webhook_duplicates_total',
      help: 'Webhook events acknowledged but not appended again: the same provider event seen within 24 h.',
      labelNames: ['provider'],
      registers,
    }),
    webhookRejectedEntries: new Counter({
      name: 'ops_webhook_rejected_entries_total',
      help: 'Entries dropped from otherwise valid webhook deliveries, by provider and reason.',
      labelNames: ['provider', 'reason'],
      registers,
    }),
  };
  for (const provider of PROVIDERS) {
    metrics.webhookRequests.inc({ provider, code: '200' }, 0);
    metrics.webhookDuplicates.inc({ provider }, 0);
  }
  for (const [provider, object_type, aspect_type] of EVENT_LABELS) {
    metrics.webhookEvents.inc({ provider, object_type, aspect_type }, 0);
  }
  metrics.webhookRejectedEntries.inc({ provider: 'garmin', reason: REJECT_REASONS.unknownUser }, 0);
  metrics.webhookRejectedEntries.inc({ provider: 'strava', reason: REJECT_REASONS.subscriptionMismatch }, 0);
  return metrics;
}
