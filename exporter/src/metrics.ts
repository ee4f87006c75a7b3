import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DependencyStatus } from '@ops-cockpit/core';

/** The exporter's own ops_ metrics, declared in one place on the process registry. */
export interface ExporterMetrics {
  httpRequests: Counter<'method' | 'route' | 'code'>;
  httpDuration: Histogram<'method' | 'route'>;
  webhookRequests: Counter<'provider' | 'code'>;
  webhookDuration: Histogram<'provider'>;
  webhookEvents: Counter<'provider' | 'object_type' | 'aspect_type'>;
  webhookDuplicates: Counter<'provider'>;
  webhookAppendFailures: Counter<'provider' | 'reason'>;
  webhookRejectedEntries: Counter<'provider' | 'reason'>;
}

/** Why an entry of an otherwise valid delivery was dropped: the only values the `reason` label takes. */
export const REJECT_REASONS = {
  /** An entry whose user is no linked, authorised account of a provider that does not sign (Garmin). */
  unknownUser: 'unknown_user',
  /** A Strava event for another subscription than STRAVA_SUBSCRIPTION_ID. */
  subscriptionMismatch: 'subscription_mismatch',
} as const;
export type RejectReason = (typeof REJECT_REASONS)[keyof typeof REJECT_REASONS];

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
      help: 'Webhook events acknowledged but not appended again: the same provider event seen within INGEST_DEDUP_SECONDS.',
      labelNames: ['provider'],
      registers,
    }),
    webhookAppendFailures: new Counter({
      name: 'ops_webhook_append_failures_total',
      help: 'Webhook deliveries answered 503 because their append was not confirmed, by reason (redis, timeout, replicas).',
      labelNames: ['provider', 'reason'],
      registers,
    }),
    webhookRejectedEntries: new Counter({
      name: 'ops_webhook_rejected_entries_total',
      help: 'Entries dropped from otherwise valid webhook deliveries, by provider and reason.',
      labelNames: ['provider', 'reason'],
      registers,
    }),
  };
  return metrics;
}
